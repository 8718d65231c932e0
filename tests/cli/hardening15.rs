//! Hardening: CSV cells a spreadsheet would run, stricter `check`, no leftover
//! temporary files, and big incidents that stay fast.

use crate::common::TestRepo;

const AS_OF: &str = "2026-12-31T00:00:00+09:00";

/// Every CSV cell that begins with what a spreadsheet reads as a formula starts with `'`.
#[test]
fn csv_cells_never_start_a_formula() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "=HYPERLINK(\"https://evil.example\",\"x\")",
        "-s",
        "SEV2",
        "--service",
        "+svc",
        "--team",
        "@ops",
        "--commander",
        "ana",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "@SUM(1+1)",
        "--kind",
        "detect",
        "--owner=-ben",
        "--due",
        "2026-11-30",
    ]);
    repo.tick(60);
    repo.ok(&["status", "INC-1", "resolved"]);

    let by_service = repo.ok(&[
        "metrics", "--as-of", AS_OF, "--by", "service", "--format", "csv",
    ]);
    let row = by_service.lines().nth(1).unwrap();
    assert!(row.starts_with("'+svc,1,0,"), "{by_service}");
    let by_team = repo.ok(&[
        "metrics", "--as-of", AS_OF, "--by", "team", "--format", "csv",
    ]);
    assert!(
        by_team.lines().nth(1).unwrap().starts_with("'@ops,1,0,"),
        "{by_team}"
    );

    let actions = repo.ok(&["report", "actions", "--as-of", AS_OF, "--format", "csv"]);
    let row = actions.lines().nth(1).unwrap();
    // Numbers stay numbers (31 days overdue); text cells are neutralised.
    assert_eq!(
        row, "true,'-ben,INC-1.A1,INC-1,'@SUM(1+1),detect,open,2026-11-30,31,37,",
        "{actions}"
    );

    let postmortems = repo.ok(&["report", "postmortems", "--as-of", AS_OF, "--format", "csv"]);
    let row = postmortems.lines().nth(1).unwrap();
    assert!(
        row.contains(",\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\","),
        "{postmortems}"
    );
    for csv in [&by_service, &by_team, &actions, &postmortems] {
        for cell in csv.lines().flat_map(|l| l.split(',')) {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r']),
                "{cell:?} in\n{csv}"
            );
        }
    }
}
