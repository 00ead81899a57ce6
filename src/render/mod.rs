//! Turning what people write into HTML that is safe to show: Markdown written here
//! ([`markdown`]) and HTML received from other servers ([`sanitize`]); and times as people read
//! them ([`time`]).
//!
//! Architecture invariant: only this module produces HTML from user content, and everything it
//! produces has been through [`sanitize::sanitize_html`] last.

pub mod markdown;
pub mod sanitize;
pub mod time;

pub use markdown::{find_mentions, render_markdown, Handle, Rendered};
pub use sanitize::sanitize_html;
