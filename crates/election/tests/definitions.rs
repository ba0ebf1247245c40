//! The shipped definitions load, and match the published 2016 data they were built from.

use ecount_election::{ContestKind, Election, PaperKind, StyleCode};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gla() -> Election {
    Election::load(repo().join("elections/gla-2016.toml")).expect("gla-2016 loads")
}

fn data() -> PathBuf {
    repo().join("../shared/data/gla-2016")
}

fn rows(file: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(data().join(file)).expect(file);
    r.records().map(|r| r.expect("csv row")).collect()
}

#[test]
fn gla_2016_has_42_styles_over_14_areas_and_3_centres() {
    let e = gla();
    assert_eq!(e.styles.len(), 42);
    assert_eq!(e.areas.len(), 14);
    assert_eq!(e.centres.len(), 3);
    assert_eq!(e.contests.len(), 16);
    for (i, a) in e.areas.iter().enumerate() {
        assert_eq!(
            a.number as usize,
            i + 1,
            "areas are numbered alphabetically"
        );
        for kind in [
            PaperKind::Mayor,
            PaperKind::Constituency,
            PaperKind::LondonWide,
        ] {
            let s = e
                .style(StyleCode::new(kind, a.number))
                .expect("style per kind and area");
            assert_eq!(s.area, i);
            assert_eq!(e.contests[s.contest].kind.paper_kind(), kind);
        }
    }
    let merton = e.area_index("merton-and-wandsworth").unwrap();
    assert_eq!(e.centres[e.areas[merton].centre.unwrap()].name, "Olympia");
    assert_eq!(e.style(StyleCode(523)).unwrap().area, merton);
}

#[test]
fn gla_2016_mayor_candidates_in_ballot_order() {
    let e = gla();
    let mayor = &e.contests[e.contest_index("mayor").unwrap()];
    assert_eq!(mayor.kind, ContestKind::SupplementaryVote);
    let want: Vec<(String, String)> = rows("mayor-candidates.csv")
        .iter()
        .map(|r| (format!("{} {}", &r[1], &r[2]), r[3].to_string()))
        .collect();
    let got: Vec<(String, String)> = mayor
        .options
        .iter()
        .map(|o| (o.name.clone(), o.description.clone()))
        .collect();
    assert_eq!(got.len(), 12);
    assert_eq!(got, want);
}

#[test]
fn gla_2016_constituency_candidates_in_ballot_order() {
    let e = gla();
    let all = rows("constituency-member-candidates.csv");
    for area in &e.areas {
        let c = &e.contests[e
            .contest_index(&format!("constituency-{}", area.id))
            .unwrap()];
        let mut want: Vec<&csv::StringRecord> =
            all.iter().filter(|r| &r[0] == area.name.as_str()).collect();
        want.sort_by_key(|r| r[1].parse::<u32>().unwrap());
        let want: Vec<(String, String)> = want
            .iter()
            .map(|r| (format!("{} {}", &r[2], &r[3]), r[4].to_string()))
            .collect();
        let got: Vec<(String, String)> = c
            .options
            .iter()
            .map(|o| (o.name.clone(), o.description.clone()))
            .collect();
        assert_eq!(got, want, "{}", area.name);
    }
    let total: usize = e
        .contests
        .iter()
        .filter(|c| c.kind == ContestKind::FirstPastThePost)
        .map(|c| c.options.len())
        .sum();
    assert_eq!(total, all.len());
}

#[test]
fn gla_2016_london_wide_parties_in_ballot_order() {
    let e = gla();
    let list = &e.contests[e.list_contest().unwrap()];
    let want: Vec<String> = rows("london-wide-parties.csv")
        .iter()
        .map(|r| r[2].to_string())
        .collect();
    let got: Vec<String> = list.options.iter().map(|o| o.name.clone()).collect();
    assert_eq!(got, want);
    assert_eq!(list.seats, 11);
    assert_eq!(list.threshold_percent, 5.0);
    assert_eq!(list.constituency_contests.len(), 14);
    // Every Labour and Conservative constituency candidate points at its list party.
    for &ci in &list.constituency_contests {
        for o in &e.contests[ci].options {
            if o.description.contains("Labour") {
                assert_eq!(list.options[o.party.unwrap()].name, "Labour Party");
            }
            if o.description.contains("Conservative") {
                assert_eq!(list.options[o.party.unwrap()].name, "Conservative Party");
            }
        }
    }
}

#[test]
fn demo_loads() {
    let e = Election::load(repo().join("elections/demo.toml")).unwrap();
    assert_eq!(e.styles.len(), 3);
    let sizes: Vec<usize> = e.contests.iter().map(|c| c.options.len()).collect();
    assert_eq!(sizes, vec![4, 3, 4]);
}

fn load_err(text: &str) -> String {
    Election::parse(text, false, Path::new("bad.toml"))
        .unwrap_err()
        .to_string()
}

const BASE: &str = r#"
[election]
id = "t"
name = "t"
date = "2020-01-01"
[[areas]]
id = "a"
number = 1
name = "A"
[[contests]]
id = "c"
kind = "first-past-the-post"
title = "T"
[[contests.options]]
id = "x"
name = "X"
"#;

#[test]
fn errors_name_file_and_field() {
    let ok = format!("{BASE}[[styles]]\ncode = 513\ncontest = \"c\"\narea = \"a\"\n");
    Election::parse(&ok, false, Path::new("ok.toml")).unwrap();

    let e = load_err(&format!(
        "{BASE}[[styles]]\ncode = 514\ncontest = \"c\"\narea = \"a\"\n"
    ));
    assert!(e.starts_with("bad.toml: styles[0] (code 514).code:"), "{e}");

    let e = load_err(&format!("{BASE}[[styles]]\ncode = 513\ncontest = \"c\"\narea = \"a\"\n[[styles]]\ncode = 513\ncontest = \"c\"\narea = \"a\"\n"));
    assert!(e.contains("used twice"), "{e}");

    let e = load_err(&format!(
        "{BASE}[[styles]]\ncode = 513\ncontest = \"nope\"\narea = \"a\"\n"
    ));
    assert!(
        e.contains("styles[0] (code 513).contest") && e.contains("unknown contest 'nope'"),
        "{e}"
    );

    let e = load_err(&format!("{BASE}[[contests.options]]\nid = \"x\"\nname = \"Y\"\n[[styles]]\ncode = 513\ncontest = \"c\"\narea = \"a\"\n"));
    assert!(e.contains("duplicate id 'x'"), "{e}");

    let e = load_err(BASE);
    assert!(e.contains("no ballot style for contest 'c'"), "{e}");

    let e = load_err(&BASE.replace(
        "[[contests.options]]\nid = \"x\"\nname = \"X\"\n",
        "options = []\n",
    ));
    assert!(e.contains("at least one option"), "{e}");

    let e = load_err("[election]\nid = 1\n");
    assert!(e.starts_with("bad.toml: cannot parse"), "{e}");
}
