"""Drafts and finals: a final is a new take whose parent is the draft, made from the same
seed and conditions at delivery quality. `records` is the bottom record a request holds;
`service` plans and queues a finish (HTTP and the board service call it); the generator's
route is bridge.generators.finish."""
