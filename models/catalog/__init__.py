"""The catalog: villages and farmers, species and trees, the importer and the sample catalog."""
