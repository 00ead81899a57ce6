//! Server-side request forgery through a proxy from the environment: `HTTP_PROXY`,
//! `HTTPS_PROXY` and `ALL_PROXY` are ignored by Rounds' HTTP client, whose DNS check (no
//! loopback, private or link-local addresses) would otherwise be skipped: through a proxy the
//! client resolves nothing, the proxy does. Its own test binary, as the variables are
//! process-wide and every other test's HTTP clients would read them.

mod common;

use common::hostile::Hostile;
use serde_json::json;

#[tokio::test]
async fn proxies_from_the_environment_are_not_used() {
    let proxy = Hostile::spawn().await;
    proxy.serve_json("/", &json!({}));
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // An address, as operators' proxies usually are (a name would itself go through the
        // client's DNS check, and be refused as loopback).
        std::env::set_var(name, format!("http://127.0.0.1:{}", proxy.port));
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let mut config = common::test_config(1, "sqlite://unused");
    config.insecure_federation = false;
    let client = rounds::federation::http_client(&config).expect("client");
    // A name the DNS check refuses (loopback), and one that resolves nowhere: both fail
    // without a connection to the proxy, which would have fetched them.
    for url in [
        format!("http://localhost:{}/", proxy.port),
        "https://rounds-proxy-test.invalid/".to_string(),
    ] {
        let got = client.get(&url).send().await;
        assert!(got.is_err(), "{url} was fetched");
    }
    assert_eq!(proxy.connections(), 0, "the client went through the proxy");

    // The control: a client that honours the variables reaches the proxy.
    let honouring = reqwest::Client::new();
    let _ = honouring
        .get("http://rounds-proxy-test.invalid/")
        .send()
        .await;
    assert_eq!(proxy.connections(), 1, "the control reaches the proxy");
}
