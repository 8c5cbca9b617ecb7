"""The national exchange feed: every certificate event with the holder's full identity, in the national field
order, with a manifest signed by the province key (``docs/feed.md``)."""
