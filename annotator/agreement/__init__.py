"""Inter-annotator agreement and adjudication: metrics, reports and the gold merge (no Textual)."""
