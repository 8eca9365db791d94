"""Analysis of the corpus: embeddings, actor references (naming and avoidance), evaluation."""
