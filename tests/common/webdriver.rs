//! A minimal W3C WebDriver client over reqwest, driving Debian's `chromedriver` and headless
//! `chromium` (packages `chromium-driver` and `chromium`; `.ci/run` installs both): start the
//! driver on a free port, open a session, navigate, find elements by CSS, click, type, read the
//! page. The driver runs in a process group of its own, with the browsers it starts; the whole
//! group is killed when [`Driver`] is dropped, whatever the test did.
//!
//! When either binary is missing the test fails, unless `ROUNDS_SKIP_BROWSER_TESTS=1`.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use serde_json::{json, Value};

/// The key under which WebDriver names an element.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(20);

/// The browser and its driver, or `None` when the browser tests are to be skipped.
pub fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium = Path::new("/usr/bin/chromium");
    let driver = Path::new("/usr/bin/chromedriver");
    if chromium.exists() && driver.exists() {
        return Some((chromium.to_path_buf(), driver.to_path_buf()));
    }
    if std::env::var("ROUNDS_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!("skipped: no chromium or chromedriver, and ROUNDS_SKIP_BROWSER_TESTS=1");
        return None;
    }
    panic!(
        "the browser tests need /usr/bin/chromium and /usr/bin/chromedriver: install the \
         `chromium` and `chromium-driver` packages (apt-get install -y chromium chromium-driver), \
         or set ROUNDS_SKIP_BROWSER_TESTS=1 to skip them"
    );
}

/// A running chromedriver.
pub struct Driver {
    process: tokio::process::Child,
    base: String,
    chromium: PathBuf,
    client: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group's id is the driver's: its browsers go with it.
        if let Some(id) = self.process.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{id}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.process.start_kill();
    }
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it is ready; `None` when the browser
    /// tests are skipped.
    pub async fn start() -> Option<Driver> {
        let (chromium, driver) = browser_binaries()?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        for _ in 0..5 {
            let port = super::process::free_port();
            let process = tokio::process::Command::new(&driver)
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut started = Driver {
                process,
                base: format!("http://127.0.0.1:{port}"),
                chromium: chromium.clone(),
                client: client.clone(),
            };
            if started.ready().await {
                return Some(started);
            }
        }
        panic!("chromedriver did not start");
    }

    /// Whether the driver answers that it is ready, within 20 s (false if it exited).
    async fn ready(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.process.try_wait() {
                return false;
            }
            let status = self
                .client
                .get(format!("{}/status", self.base))
                .send()
                .await;
            if let Ok(response) = status {
                if let Ok(body) = response.json::<Value>().await {
                    if body["value"]["ready"] == true {
                        return true;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// A new browser session: headless Chromium with a fresh profile.
    pub async fn session(&self) -> Session {
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": self.chromium,
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--no-first-run",
                            "--no-default-browser-check",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--disable-extensions",
                            "--window-size=412,915",
                        ],
                    },
                },
            },
        });
        let answer = command(
            &self.client,
            reqwest::Method::POST,
            &format!("{}/session", self.base),
            Some(capabilities),
        )
        .await
        .unwrap_or_else(|err| panic!("no browser session: {err}"));
        let id = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {answer}"))
            .to_string();
        Session {
            base: format!("{}/session/{id}", self.base),
            client: self.client.clone(),
        }
    }
}

/// Sends one WebDriver command; its `value`, or the error WebDriver answered.
async fn command(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = client.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|err| format!("{method} {url}: {err}"))?;
    let status = response.status();
    let answer: Value = response
        .json()
        .await
        .map_err(|err| format!("{method} {url}: {err}"))?;
    if status.is_success() {
        Ok(answer["value"].clone())
    } else {
        Err(format!(
            "{method} {url}: {status} {} {}",
            answer["value"]["error"], answer["value"]["message"]
        ))
    }
}

/// One browser window, driven.
pub struct Session {
    base: String,
    client: reqwest::Client,
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        command(&self.client, method, &format!("{}{path}", self.base), body)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// Loads `url` (and waits for it, as WebDriver does).
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The address of the page shown.
    pub async fn url(&self) -> String {
        let value = self.call(reqwest::Method::GET, "/url", None).await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// The page's HTML as the browser holds it now.
    pub async fn source(&self) -> String {
        let value = self.call(reqwest::Method::GET, "/source", None).await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// The text of the page's `<title>`.
    pub async fn title(&self) -> String {
        let value = self.call(reqwest::Method::GET, "/title", None).await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// The element matching `css`; panics, showing the page, when there is none.
    pub async fn find(&self, css: &str) -> String {
        let body = json!({ "using": "css selector", "value": css });
        match command(
            &self.client,
            reqwest::Method::POST,
            &format!("{}/element", self.base),
            Some(body),
        )
        .await
        {
            Ok(value) => value[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element id in {value}"))
                .to_string(),
            Err(err) => panic!(
                "no element {css} on {}: {err}\n{}",
                self.url().await,
                self.source().await
            ),
        }
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Types `text` into the element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                None,
            )
            .await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the page shows `text` (in its HTML); its HTML then, or a panic with it.
    pub async fn wait_for(&self, text: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{text:?} never showed on {}:\n{source}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value of cookie `name` in the browser, if set.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        command(
            &self.client,
            reqwest::Method::GET,
            &format!("{}/cookie/{name}", self.base),
            None,
        )
        .await
        .ok()
        .and_then(|cookie| cookie["value"].as_str().map(str::to_string))
    }

    /// Forgets every cookie (a log-out without the form).
    pub async fn delete_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Closes the browser.
    pub async fn quit(self) {
        let _ = command(&self.client, reqwest::Method::DELETE, &self.base, None).await;
    }
}
