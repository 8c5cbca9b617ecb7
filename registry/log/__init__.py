"""The transparency log: RFC 6962 Merkle tree over the event table."""
