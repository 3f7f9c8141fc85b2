"""The plain llama-index pipeline a newcomer would write from the tutorials: default
SentenceSplitter over the raw files, the same embedder, vector-only top-k, no lexical index,
no de-duplication, no refusal. Run beside ours so every figure has a reference."""
from __future__ import annotations

import time
from pathlib import Path


class Baseline:
    def __init__(self, corpus_dir: Path, embedder, top_k: int = 10, answer_k: int = 5):
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        docs = SimpleDirectoryReader(input_files=sorted(str(p) for p in Path(corpus_dir).glob("*.txt"))).load_data()
        nodes = SentenceSplitter().get_nodes_from_documents(docs)
        self.index = VectorStoreIndex(nodes, embed_model=embedder, show_progress=False)
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self.answer_k = answer_k
        self.chunks = len(nodes)

    def ask(self, question: str) -> dict:
        started = time.perf_counter()
        hits = self.retriever.retrieve(question) if question.strip() else []
        texts = [h.node.get_content() for h in hits]
        return {"question": question, "refused": False, "ranked": texts,
                "citations": [{"text": t, "voice": None} for t in texts[:self.answer_k]],
                "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
