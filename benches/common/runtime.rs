//! Running Rounds inside a benchmark's own process: Rounds' logs when they are asked for, and
//! the multi-threaded tokio runtime the benchmark runs on.

/// Rounds' logs, when asked for (`RUST_LOG=info`); none by default, as they would cost time.
pub fn logs_if_asked() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
}

/// A multi-threaded runtime, with a worker on each core.
pub fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}
