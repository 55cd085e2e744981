"""The review screen: agreement overview, and adjudication of one document into gold."""
