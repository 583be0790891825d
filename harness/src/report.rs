//! [`Rule`], [`Outcome`] and [`Report`]: what the harness checks, and what it saw.
//!
//! A rule is checked any number of times while the harness plays MAPI; each check passes
//! or fails with a sentence saying what was seen. At the end a rule that was never
//! checked is not applicable (the provider has nothing it applies to, or the scenario
//! that checks it could not run), one with any failure fails, and the rest pass.

use std::fmt::Write as _;

use serde::Serialize;

/// One of MAPI's rules, as the harness checks it.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// A short stable name (`out-null-on-failure`): what tests and reports refer to.
    pub name: &'static str,
    /// The title of the Microsoft page the rule comes from.
    pub source: &'static str,
    /// The rule, in one sentence.
    pub says: &'static str,
}

/// What became of a rule in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "seen", rename_all = "snake_case")]
pub enum Outcome {
    /// Checked at least once, never failed.
    Pass,
    /// Failed: what was seen, one sentence per failure.
    Fail(Vec<String>),
    /// Never checked.
    NotApplicable,
}

impl Outcome {
    /// `pass`, `fail` or `n/a`.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::NotApplicable => "n/a",
        }
    }
}

/// The most failures kept per rule; more are counted.
const MAX_SEEN: usize = 50;

#[derive(Debug)]
struct Tally {
    rule: &'static Rule,
    checks: u32,
    seen: Vec<String>,
    more: usize,
}

/// Every rule of a run and what became of it, in the order the rules were listed, with
/// notes on what the harness did (scenarios that could not run, and why).
#[derive(Debug)]
pub struct Report {
    tallies: Vec<Tally>,
    notes: Vec<String>,
    errors: Vec<String>,
    allocations: u64,
}

/// One rule in the JSON report.
#[derive(Serialize)]
struct JsonRule<'a> {
    name: &'a str,
    source: &'a str,
    says: &'a str,
    checks: u32,
    #[serde(flatten)]
    outcome: Outcome,
}

/// The JSON report.
#[derive(Serialize)]
struct JsonReport<'a> {
    passed: bool,
    allocations: u64,
    rules: Vec<JsonRule<'a>>,
    notes: &'a [String],
    errors: &'a [String],
}

impl Report {
    /// A report on `rules`, none checked yet.
    pub fn new(rules: &[&'static Rule]) -> Report {
        Report {
            tallies: rules
                .iter()
                .map(|&rule| Tally {
                    rule,
                    checks: 0,
                    seen: Vec::new(),
                    more: 0,
                })
                .collect(),
            notes: Vec::new(),
            errors: Vec::new(),
            allocations: 0,
        }
    }

    /// Something kept the harness itself from running (not the provider's fault: a
    /// profile folder that cannot be written, say). A report with one does not pass.
    pub fn error(&mut self, error: impl Into<String>) {
        self.errors.push(error.into());
    }

    /// The harness's own errors.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Records how many allocations (`MAPIAllocateBuffer` and `MAPIAllocateMore`) the
    /// run saw: what fault injection counts.
    pub fn set_allocations(&mut self, n: u64) {
        self.allocations = n;
    }

    /// How many allocations the run saw.
    pub fn allocations(&self) -> u64 {
        self.allocations
    }

    fn tally(&mut self, rule: &'static Rule) -> &mut Tally {
        if let Some(i) = self.tallies.iter().position(|t| t.rule.name == rule.name) {
            return &mut self.tallies[i];
        }
        self.tallies.push(Tally {
            rule,
            checks: 0,
            seen: Vec::new(),
            more: 0,
        });
        self.tallies.last_mut().expect("just pushed")
    }

    /// One check of `rule` that passed.
    pub fn pass(&mut self, rule: &'static Rule) {
        self.tally(rule).checks += 1;
    }

    /// One check of `rule` that failed, with what was seen.
    pub fn fail(&mut self, rule: &'static Rule, seen: impl Into<String>) {
        let tally = self.tally(rule);
        tally.checks += 1;
        if tally.seen.len() < MAX_SEEN {
            tally.seen.push(seen.into());
        } else {
            tally.more += 1;
        }
    }

    /// One check of `rule`: passes if `ok`, else fails with `seen()`.
    pub fn check(&mut self, rule: &'static Rule, ok: bool, seen: impl FnOnce() -> String) {
        if ok {
            self.pass(rule);
        } else {
            self.fail(rule, seen());
        }
    }

    /// Adds what `other` saw (another thread's checks) to this report.
    pub fn merge(&mut self, other: Report) {
        for t in other.tallies {
            let mine = self.tally(t.rule);
            mine.checks += t.checks;
            for seen in t.seen {
                if mine.seen.len() < MAX_SEEN {
                    mine.seen.push(seen);
                } else {
                    mine.more += 1;
                }
            }
            mine.more += t.more;
        }
        self.notes.extend(other.notes);
    }

    /// [`merge`](Report::merge), each of `other`'s notes after `prefix`.
    pub(crate) fn merge_prefixed(&mut self, mut other: Report, prefix: &str) {
        for note in &mut other.notes {
            note.insert_str(0, prefix);
        }
        self.merge(other);
    }

    /// A note on the run (not a rule's outcome): a scenario that could not run, and why.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The notes, in order.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// What became of `name`, if the report lists it.
    pub fn outcome(&self, name: &str) -> Option<Outcome> {
        self.tallies
            .iter()
            .find(|t| t.rule.name == name)
            .map(Tally::outcome)
    }

    /// Every rule's name and outcome, in order.
    pub fn outcomes(&self) -> Vec<(&'static str, Outcome)> {
        self.tallies
            .iter()
            .map(|t| (t.rule.name, t.outcome()))
            .collect()
    }

    /// The names of the rules that failed.
    pub fn failures(&self) -> Vec<&'static str> {
        self.tallies
            .iter()
            .filter(|t| !t.seen.is_empty())
            .map(|t| t.rule.name)
            .collect()
    }

    /// Whether no rule failed and the harness ran.
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.tallies.iter().all(|t| t.seen.is_empty())
    }

    /// Panics with the readable report if a rule failed (or the harness could not run):
    /// for a provider's `cargo test`.
    #[track_caller]
    pub fn assert_passed(&self) {
        assert!(self.passed(), "MAPI rules failed:\n{}", self.to_text());
    }

    /// The process exit status for the report: 0 when no rule failed, 1 when one did, 2
    /// when the harness could not run.
    pub fn exit_code(&self) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self.passed() {
            0
        } else {
            1
        }
    }

    /// The readable report: one line per rule (`pass`, `FAIL`, `n/a`, its name, how many
    /// checks, its source), what was seen under each failure, the notes, and a total.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let width = self
            .tallies
            .iter()
            .map(|t| t.rule.name.len())
            .max()
            .unwrap_or(0);
        for t in &self.tallies {
            let word = match t.outcome() {
                Outcome::Pass => "pass",
                Outcome::Fail(_) => "FAIL",
                Outcome::NotApplicable => "n/a ",
            };
            let _ = writeln!(
                out,
                "{word}  {:width$}  {:>4} checks  (Microsoft, \"{}\")",
                t.rule.name, t.checks, t.rule.source
            );
            for seen in &t.seen {
                let _ = writeln!(out, "        - {seen}");
            }
            if t.more > 0 {
                let _ = writeln!(out, "        - and {} more", t.more);
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        for error in &self.errors {
            let _ = writeln!(out, "error: {error}");
        }
        let count = |word: &str| {
            self.tallies
                .iter()
                .filter(|t| t.outcome().word() == word)
                .count()
        };
        let _ = writeln!(
            out,
            "{} passed, {} failed, {} not applicable",
            count("pass"),
            count("fail"),
            count("n/a")
        );
        out
    }

    /// The JSON report: `{"passed": bool, "allocations": n, "rules": [{"name", "source", "says",
    /// "checks", "outcome": "pass" | "fail" | "not_applicable", "seen": [..] (failures
    /// only)}], "notes": [..], "errors": [..]}`.
    pub fn to_json(&self) -> String {
        let report = JsonReport {
            passed: self.passed(),
            allocations: self.allocations,
            rules: self
                .tallies
                .iter()
                .map(|t| JsonRule {
                    name: t.rule.name,
                    source: t.rule.source,
                    says: t.rule.says,
                    checks: t.checks,
                    outcome: t.outcome(),
                })
                .collect(),
            notes: &self.notes,
            errors: &self.errors,
        };
        serde_json::to_string_pretty(&report).expect("the report is plain data")
    }
}

impl Tally {
    fn outcome(&self) -> Outcome {
        if !self.seen.is_empty() {
            let mut seen = self.seen.clone();
            if self.more > 0 {
                seen.push(format!("and {} more", self.more));
            }
            Outcome::Fail(seen)
        } else if self.checks > 0 {
            Outcome::Pass
        } else {
            Outcome::NotApplicable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: Rule = Rule {
        name: "a",
        source: "Page A",
        says: "A holds.",
    };
    static B: Rule = Rule {
        name: "b",
        source: "Page B",
        says: "B holds.",
    };
    static C: Rule = Rule {
        name: "c",
        source: "Page C",
        says: "C holds.",
    };

    #[test]
    fn a_rule_passes_fails_or_is_not_applicable() {
        let mut report = Report::new(&[&A, &B, &C]);
        report.pass(&A);
        report.check(&B, true, String::new);
        report.check(&B, false, || "saw b".into());
        assert_eq!(report.outcome("a"), Some(Outcome::Pass));
        assert_eq!(
            report.outcome("b"),
            Some(Outcome::Fail(vec!["saw b".into()]))
        );
        assert_eq!(report.outcome("c"), Some(Outcome::NotApplicable));
        assert_eq!(report.failures(), ["b"]);
        assert!(!report.passed());
        assert_eq!(report.exit_code(), 1);
        let text = report.to_text();
        assert!(text.contains("FAIL  b     2 checks  (Microsoft, \"Page B\")\n        - saw b\n"));
        assert!(
            text.ends_with("1 passed, 1 failed, 1 not applicable\n"),
            "{text}"
        );
    }

    #[test]
    fn the_json_report_names_each_rule_and_its_outcome() {
        let mut report = Report::new(&[&A, &B]);
        report.pass(&A);
        report.note("a note");
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["passed"], true);
        assert_eq!(json["rules"][0]["name"], "a");
        assert_eq!(json["rules"][0]["outcome"], "pass");
        assert_eq!(json["rules"][1]["outcome"], "not_applicable");
        assert_eq!(json["notes"][0], "a note");
        report.fail(&B, "x");
        assert_eq!(report.exit_code(), 1);
        report.error("no profile");
        assert_eq!(report.exit_code(), 2);
        assert!(report.to_text().contains("error: no profile\n"));
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["passed"], false);
        assert_eq!(json["rules"][1]["seen"][0], "x");
        assert_eq!(json["rules"][1]["source"], "Page B");
        assert_eq!(json["errors"][0], "no profile");
    }

    #[test]
    fn failures_past_the_limit_are_counted() {
        let mut report = Report::new(&[&A]);
        for i in 0..MAX_SEEN + 3 {
            report.fail(&A, format!("{i}"));
        }
        let Some(Outcome::Fail(seen)) = report.outcome("a") else {
            panic!()
        };
        assert_eq!(seen.len(), MAX_SEEN + 1);
        assert_eq!(seen.last().unwrap(), "and 3 more");
    }
}
