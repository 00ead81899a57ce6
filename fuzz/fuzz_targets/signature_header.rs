//! Fuzzes the checks Rounds adds to HTTP signatures: parsing a `Signature` header, and
//! checking that a POST's signature covers the request target, digest and a current date.
//! Nothing may panic, whatever the header says.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use rounds::federation::signatures::{check_signed_post, parse_signature_header};

fuzz_target!(|header: &[u8]| {
    let Ok(text) = std::str::from_utf8(header) else {
        return;
    };
    let _ = parse_signature_header(text);
    let Ok(value) = HeaderValue::from_str(text) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("signature", value);
    headers.insert(
        "date",
        HeaderValue::from_static("Wed, 25 Nov 2026 12:00:00 GMT"),
    );
    headers.insert(
        "digest",
        HeaderValue::from_static("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    );
    let now = UNIX_EPOCH + Duration::from_secs(1_795_608_000);
    let _ = check_signed_post(&headers, now);
});
