//! Turning what people write into HTML that is safe to show: Markdown written here
//! ([`markdown`]) and HTML received from other servers ([`sanitize`]); that HTML's plain text
//! ([`text`]); and times as people read them ([`time`]).
//!
//! Architecture invariant: only this module produces HTML from user content, and everything it
//! produces has been through [`sanitize::sanitize_html`] last.

pub mod markdown;
pub mod sanitize;
pub mod text;
pub mod time;

pub use markdown::{find_mentions, render_markdown, Handle, Rendered};
pub use sanitize::sanitize_html;
pub use text::plain_text;
