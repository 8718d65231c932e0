//! A small Chrome DevTools Protocol client: starts headless Chromium, opens pages and
//! records what a test asserts on (console errors, requests, dialogs). Written over
//! `tungstenite` rather than `headless_chrome`, which generates the whole protocol at
//! build time: the dozen commands used here cost far less to compile.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// Set to `require` (as CI does) to fail instead of skipping when Chromium is missing.
pub const REQUIRE_VAR: &str = "GIT_INCIDENT_BROWSER_TESTS";

const NAMES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];
const STARTUP: Duration = Duration::from_secs(30);
const COMMAND: Duration = Duration::from_secs(30);
const SHUTDOWN: Duration = Duration::from_secs(5);

pub type Error = Box<dyn std::error::Error>;
pub type Result<T> = std::result::Result<T, Error>;

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A connection that answers commands and keeps the events that arrive meanwhile.
struct Connection {
    socket: WebSocket<TcpStream>,
    next_id: u64,
}

impl Connection {
    fn open(url: &str) -> Result<Connection> {
        let address = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| format!("not a DevTools URL: {url}"))?;
        let stream = TcpStream::connect(address)?;
        stream.set_write_timeout(Some(COMMAND))?;
        let (socket, _) = tungstenite::client(url, stream)?;
        Ok(Connection { socket, next_id: 0 })
    }

    fn send(&mut self, method: &str, params: Value) -> Result<u64> {
        self.next_id += 1;
        let message = json!({ "id": self.next_id, "method": method, "params": params });
        self.socket.send(Message::text(message.to_string()))?;
        Ok(self.next_id)
    }

    /// The next message, or `None` once `deadline` has passed.
    fn receive(&mut self, deadline: Instant) -> Result<Option<Value>> {
        loop {
            let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
            else {
                return Ok(None);
            };
            self.socket.get_mut().set_read_timeout(Some(left))?;
            match self.socket.read() {
                Ok(Message::Text(text)) => return Ok(Some(serde_json::from_str(text.as_str())?)),
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends a command and waits for its answer, handing every event to `on_event`.
    fn call(
        &mut self,
        method: &str,
        params: Value,
        mut on_event: impl FnMut(&mut Connection, &Value) -> Result<()>,
    ) -> Result<Value> {
        let id = self.send(method, params)?;
        let deadline = Instant::now() + COMMAND;
        loop {
            let message = self
                .receive(deadline)?
                .ok_or_else(|| format!("{method}: no answer from Chromium in {COMMAND:?}"))?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method}: {error}").into());
                }
                return Ok(message["result"].clone());
            }
            if message.get("method").is_some() {
                on_event(self, &message)?;
            }
        }
    }
}

/// A headless Chromium, killed when dropped.
pub struct Browser {
    child: Child,
    connection: Connection,
    /// Removed after the browser has exited (fields drop after `drop`).
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium, or returns `None` after saying why the caller should skip; with
    /// `GIT_INCIDENT_BROWSER_TESTS=require`, a missing Chromium is an error instead.
    pub fn start_or_skip() -> Option<Browser> {
        let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "require");
        let Some(binary) = find_chromium() else {
            assert!(
                !required,
                "{REQUIRE_VAR}=require but no Chromium on PATH (tried {NAMES:?})"
            );
            // Straight to stderr: the test harness captures print! and eprint! of a
            // passing test, and a skip should be visible.
            let test = std::thread::current()
                .name()
                .unwrap_or("browser test")
                .to_string();
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: chromium not found on PATH (install Debian's `chromium`)"
            );
            return None;
        };
        match Browser::start(&binary) {
            Ok(browser) => Some(browser),
            Err(e) => panic!("could not start {}: {e}", binary.display()),
        }
    }

    fn start(binary: &Path) -> Result<Browser> {
        let profile = tempfile::tempdir()?;
        let mut child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-port=0",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-extensions",
                "--disable-sync",
                "--hide-scrollbars",
                "--mute-audio",
                "--force-color-profile=srgb",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        // Keeps draining stderr after the URL so Chromium never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sent {
                    continue;
                }
                if let Some(at) = line.find("DevTools listening on ") {
                    let url = line[at + "DevTools listening on ".len()..]
                        .trim()
                        .to_string();
                    let _ = tx.send(Ok(url));
                    sent = true;
                } else if seen.len() < 20 {
                    seen.push(line);
                }
            }
            if !sent {
                let _ = tx.send(Err(seen.join("\n")));
            }
        });
        let url = match rx.recv_timeout(STARTUP) {
            Ok(Ok(url)) => url,
            Ok(Err(stderr)) => {
                let _ = child.wait();
                return Err(format!("Chromium exited before listening:\n{stderr}").into());
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("Chromium did not print its DevTools URL in time".into());
            }
        };
        let connection = match Connection::open(&url) {
            Ok(connection) => connection,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        Ok(Browser {
            child,
            connection,
            _profile: profile,
        })
    }

    /// A new tab `width` CSS pixels wide (a phone's below 600), on its own connection.
    pub fn page(&mut self, width: u32) -> Result<Page> {
        let target = self.connection.call(
            "Target.createTarget",
            json!({ "url": "about:blank" }),
            |_, _| Ok(()),
        )?;
        let target = target["targetId"]
            .as_str()
            .ok_or("Target.createTarget returned no targetId")?;
        let address = self.connection.socket.get_ref().peer_addr()?;
        let mut page = Page {
            connection: Connection::open(&format!("ws://{address}/devtools/page/{target}"))?,
            record: Record::default(),
        };
        for domain in ["Page", "Runtime", "Log", "Network"] {
            page.call(&format!("{domain}.enable"), json!({}))?;
        }
        page.set_width(width)?;
        Ok(page)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A clean close takes the renderer and helper processes down with the browser;
        // the kill is the fallback for a browser that no longer answers.
        let _ = self.connection.send("Browser.close", json!({}));
        let deadline = Instant::now() + SHUTDOWN;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a page did since it was opened.
#[derive(Debug, Default)]
pub struct Record {
    /// Every URL the page requested, in order.
    pub requests: Vec<String>,
    /// Console errors, uncaught exceptions and browser log errors (a missing file, say).
    pub errors: Vec<String>,
    /// Messages of alert, confirm and prompt dialogs (each dismissed).
    pub dialogs: Vec<String>,
    loads: usize,
    /// How many errors there were when the current page started loading.
    errors_before_page: usize,
}

impl Record {
    fn on_event(&mut self, connection: &mut Connection, event: &Value) -> Result<()> {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                self.requests
                    .push(params["request"]["url"].as_str().unwrap_or("?").to_string());
            }
            "Runtime.consoleAPICalled" => {
                let kind = params["type"].as_str().unwrap_or_default();
                if kind == "error" || kind == "assert" {
                    let text: Vec<String> = params["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|arg| match arg.get("value") {
                            Some(Value::String(s)) => s.clone(),
                            Some(v) => v.to_string(),
                            None => arg["description"].as_str().unwrap_or("?").to_string(),
                        })
                        .collect();
                    self.errors
                        .push(format!("console.{kind}: {}", text.join(" ")));
                }
            }
            "Runtime.exceptionThrown" => {
                let details = &params["exceptionDetails"];
                let text = details["exception"]["description"]
                    .as_str()
                    .or(details["text"].as_str())
                    .unwrap_or("?");
                self.errors.push(format!("uncaught: {text}"));
            }
            "Log.entryAdded" => {
                let entry = &params["entry"];
                if entry["level"] == "error" {
                    self.errors.push(format!(
                        "log: {} {}",
                        entry["text"].as_str().unwrap_or("?"),
                        entry["url"].as_str().unwrap_or_default()
                    ));
                }
            }
            "Page.javascriptDialogOpening" => {
                self.dialogs
                    .push(params["message"].as_str().unwrap_or_default().to_string());
                // An open dialog blocks the page's script, and with it every evaluation.
                connection.send("Page.handleJavaScriptDialog", json!({ "accept": false }))?;
            }
            "Page.loadEventFired" => self.loads += 1,
            _ => {}
        }
        Ok(())
    }
}

/// One tab.
pub struct Page {
    connection: Connection,
    pub record: Record,
}

impl Page {
    fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let record = &mut self.record;
        self.connection.call(method, params, |connection, event| {
            record.on_event(connection, event)
        })
    }

    /// Reads events for a moment, so that what the page does asynchronously is recorded.
    fn pump(&mut self, deadline: Instant) -> Result<()> {
        while let Some(event) = self.connection.receive(deadline)? {
            self.record.on_event(&mut self.connection, &event)?;
        }
        Ok(())
    }

    pub fn set_width(&mut self, width: u32) -> Result<()> {
        let mobile = width < 600;
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": if mobile { 844 } else { 800 },
                "deviceScaleFactor": 1,
                "mobile": mobile,
            }),
        )?;
        Ok(())
    }

    /// Opens `url` and waits for its load event.
    pub fn goto(&mut self, url: &str) -> Result<()> {
        let before = self.record.loads;
        self.record.errors_before_page = self.record.errors.len();
        let result = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(error) = result["errorText"].as_str() {
            return Err(format!("could not open {url}: {error}").into());
        }
        let deadline = Instant::now() + COMMAND;
        while self.record.loads == before {
            let event = self
                .connection
                .receive(deadline)?
                .ok_or_else(|| format!("{url} did not finish loading in {COMMAND:?}"))?;
            self.record.on_event(&mut self.connection, &event)?;
        }
        Ok(())
    }

    /// The value of a JavaScript expression (awaited when it is a promise).
    pub fn eval(&mut self, expression: &str) -> Result<Value> {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or(details["text"].as_str())
                .unwrap_or("?");
            return Err(format!("{expression}: {text}").into());
        }
        Ok(result["result"]["value"].clone())
    }

    /// Waits until a JavaScript expression is true; an error the current page reported
    /// (a file that failed to load, say) ends the wait at once.
    pub fn wait_for(&mut self, expression: &str) -> Result<()> {
        let deadline = Instant::now() + COMMAND;
        let errors = self.record.errors_before_page;
        loop {
            if self.eval(expression)? == Value::Bool(true) {
                return Ok(());
            }
            if self.record.errors.len() > errors {
                let new = &self.record.errors[errors..];
                return Err(format!("waiting for {expression}, the page reported {new:?}").into());
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for {expression}").into());
            }
            self.pump(Instant::now() + Duration::from_millis(50))?;
        }
    }

    /// Focuses the element matching `selector` and types `text` into it, as an input
    /// method commits text (so Japanese arrives as a person would type it).
    pub fn type_into(&mut self, selector: &str, text: &str) -> Result<()> {
        let selector = serde_json::to_string(selector)?;
        let found = self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector}); if (!e) return false; e.focus(); return true; }})()"
        ))?;
        if found != Value::Bool(true) {
            return Err(format!("no element matches {selector}").into());
        }
        self.call("Input.insertText", json!({ "text": text }))?;
        Ok(())
    }

    /// A PNG of the whole page, not only the part in the viewport.
    pub fn screenshot(&mut self) -> Result<Vec<u8>> {
        let metrics = self.call("Page.getLayoutMetrics", json!({}))?;
        let size = &metrics["cssContentSize"];
        let viewport = &metrics["cssLayoutViewport"];
        let width = viewport["clientWidth"]
            .as_f64()
            .ok_or("no viewport width")?;
        let height = size["height"].as_f64().ok_or("no content height")?;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height.ceil(), "scale": 1 },
            }),
        )?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        Ok(data_encoding::BASE64.decode(data.as_bytes())?)
    }

    /// Lets events still in flight arrive (a late console error, say) before asserting.
    pub fn settle(&mut self) -> Result<()> {
        // A round trip through the renderer: everything it emitted before is now read.
        self.eval("new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")?;
        self.pump(Instant::now() + Duration::from_millis(100))
    }
}

/// `file://` URL of a local path, percent-encoding what a URL path cannot hold.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}
