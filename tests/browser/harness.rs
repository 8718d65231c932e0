//! The harness on a hand-written page that does everything the site must not: each
//! detector has to fire here, or the site tests' "nothing happened" would prove nothing.

use crate::chromium::{Browser, file_url};

const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>fixture</title></head>
<body>
<input id="q" type="search"><output id="echo"></output>
<img src="http://127.0.0.1:9/pixel.png" alt="">
<script src="missing.js"></script>
<script>
  var echo = document.getElementById("echo");
  echo.textContent = new URLSearchParams(location.search).get("q") || "";
  document.getElementById("q").addEventListener("input", function (e) { echo.textContent = e.target.value; });
  console.error("fixture error");
  alert("fixture dialog");
  setTimeout(function () { throw new Error("late failure"); }, 0);
</script>
</body></html>
"#;

#[test]
fn the_harness_sees_requests_errors_dialogs_and_typed_text() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("page.html");
    std::fs::write(&path, PAGE).expect("write fixture");
    let mut page = browser.page(390).expect("new page");

    page.goto(&format!("{}?q=from-url", file_url(&path)))
        .expect("fixture loads");
    assert_eq!(
        page.eval("document.getElementById('echo').textContent")
            .expect("eval"),
        "from-url"
    );
    page.type_into("#q", "決済").expect("type");
    assert_eq!(
        page.eval("document.getElementById('echo').textContent")
            .expect("eval"),
        "決済"
    );
    page.settle().expect("settle");

    let record = &page.record;
    assert_eq!(record.dialogs, ["fixture dialog"]);
    assert!(
        record
            .requests
            .contains(&"http://127.0.0.1:9/pixel.png".to_string()),
        "{:?}",
        record.requests
    );
    assert!(
        record
            .requests
            .contains(&file_url(&dir.path().join("missing.js"))),
        "{:?}",
        record.requests
    );
    for expected in ["console.error: fixture error", "late failure", "missing.js"] {
        assert!(
            record.errors.iter().any(|e| e.contains(expected)),
            "{expected} not in {:#?}",
            record.errors
        );
    }

    let png = page.screenshot().expect("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(png_width(&png), 390);
}

/// The width in a PNG's IHDR chunk.
pub fn png_width(png: &[u8]) -> u32 {
    u32::from_be_bytes(png[16..20].try_into().expect("PNG header"))
}
