"""Acting: what a classified message changes (suppression, scores, inquiries, hand-offs, outbox)."""
