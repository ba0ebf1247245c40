//! A small two-area election shared by the tests.
#![allow(dead_code)]

use ecount_election::Election;
use std::path::Path;

/// Two areas, a Mayor (4), a constituency each (3), a London-wide list (4 parties, 1 independent).
pub const DEF: &str = r#"
[election]
id = "prop"
name = "Property election"
date = "2026-05-07"

[[areas]]
id = "north"
number = 1
name = "North"
electorate = 1000

[[areas]]
id = "south"
number = 2
name = "South"

[[contests]]
id = "mayor"
kind = "supplementary-vote"
title = "Mayor"
[[contests.options]]
id = "a"
name = "Ann A"
[[contests.options]]
id = "b"
name = "Bob B"
[[contests.options]]
id = "c"
name = "Cat C"
[[contests.options]]
id = "d"
name = "Dan D"

[[contests]]
id = "constituency-north"
kind = "first-past-the-post"
title = "Constituency Member"
areas = ["north"]
[[contests.options]]
id = "n1"
name = "Nia One"
party = "p1"
[[contests.options]]
id = "n2"
name = "Ned Two"
party = "p2"
[[contests.options]]
id = "n3"
name = "Nat Three"

[[contests]]
id = "constituency-south"
kind = "first-past-the-post"
title = "Constituency Member"
areas = ["south"]
[[contests.options]]
id = "s1"
name = "Sue One"
party = "p1"
[[contests.options]]
id = "s2"
name = "Sam Two"
party = "p3"
[[contests.options]]
id = "s3"
name = "Sid Three"
party = "p4"

[[contests]]
id = "london-wide"
kind = "additional-member"
title = "London Members"
seats = 5
threshold_percent = 5.0
constituency_contests = ["constituency-north", "constituency-south"]
[[contests.options]]
id = "p1"
name = "Party One"
kind = "party"
[[contests.options]]
id = "p2"
name = "Party Two"
kind = "party"
[[contests.options]]
id = "p3"
name = "Party Three"
kind = "party"
[[contests.options]]
id = "p4"
name = "Party Four"
kind = "party"
[[contests.options]]
id = "ind"
name = "Ian Dee"
kind = "independent"

[[styles]]
code = 257
contest = "mayor"
area = "north"
[[styles]]
code = 258
contest = "mayor"
area = "south"
[[styles]]
code = 513
contest = "constituency-north"
area = "north"
[[styles]]
code = 514
contest = "constituency-south"
area = "south"
[[styles]]
code = 769
contest = "london-wide"
area = "north"
[[styles]]
code = 770
contest = "london-wide"
area = "south"
"#;

pub fn election() -> Election {
    Election::parse(DEF, false, Path::new("props.toml")).expect("test definition is valid")
}
