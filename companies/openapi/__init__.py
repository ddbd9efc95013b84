"""The API's contract: an OpenAPI 3.1 document assembled from one piece per API area.

A piece is a module with `TAG` (its name and one line), `PATHS` (its OpenAPI path items, each
operation's `operationId` being the Django URL name of its route) and, when it has any,
`SCHEMAS`, `PARAMETERS` and `RESPONSES` for the document's components. To describe a new area,
write its piece beside its code and add the module's name to `document.PIECES`.
"""
