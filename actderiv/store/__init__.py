"""The store: one cache folder and its kinds (derived records, catalog snapshots, list rows,
export fragments), each keyed by what it depends on (:mod:`actderiv.store.core`)."""
