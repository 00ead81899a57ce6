//! Delivery: everything Rounds sends goes through one durable queue.
//!
//! Architecture invariant: nothing is sent from a request handler. A change that must reach
//! other instances writes its deliveries with [`enqueue`] in its own transaction; the
//! [`worker`] claims due rows, signs and sends them, and retries on the schedule of [`retry`].

pub mod enqueue;
pub mod retry;
pub mod send;
pub mod worker;

pub use enqueue::enqueue;
