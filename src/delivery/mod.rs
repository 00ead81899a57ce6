//! Delivery: everything Rounds sends goes through one durable queue.
//!
//! Architecture invariant: nothing is sent from a request handler. A change that must reach
//! other instances writes its deliveries with [`enqueue`] in its own transaction (one row per
//! remote shared inbox); the [`worker`] claims instances with due deliveries, signs
//! ([`signing`], aws-lc-rs) and sends ([`send`]) each instance's backlog in order, and the
//! [`recorder`] writes outcomes in batches. Backoff is per instance ([`retry`]): a slow or dead
//! instance holds up only itself; an unavailable one is revived when it sends us something
//! ([`revive`]). [`metrics`] counts results for `/metrics`.

pub(crate) mod cache;
pub mod enqueue;
pub mod inbound_first;
mod instance;
pub mod metrics;
pub mod recorder;
pub mod retry;
pub mod revive;
pub mod send;
pub mod signing;
pub mod worker;

pub use enqueue::{enqueue, enqueue_many, Recipient};
pub use worker::DeliveryWorker;
