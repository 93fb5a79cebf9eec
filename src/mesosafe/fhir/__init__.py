"""FHIR R4 export: records as R4 resources, built as dicts and parsed by the R4B models of fhir.resources."""
