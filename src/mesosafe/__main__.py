from mesosafe.cli import main

main()
