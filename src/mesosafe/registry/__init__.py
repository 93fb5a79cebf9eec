"""The registry: safety across clinics for analysts (the `/registry/` page, its reports built by the worker)
and the export of the clinic database in the column contracts of `mesosafe.disproportionality` and
`mesosafe.clinic_safety`."""
