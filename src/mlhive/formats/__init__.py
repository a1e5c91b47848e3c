"""Pure readers and writers for tabular data (CSV, Parquet, ARFF). No server imports."""
