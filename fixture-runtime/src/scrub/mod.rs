//! Secret scrubbing: API keys, tokens, private keys, connection-string
//! passwords and the values of secret-named keys become placeholders.
//!
//! Every rule names literals of which each match holds one (`rules.rs`).
//! A SIMD search for those literals picks the lines worth searching, and
//! each is searched with the rules its literals name, leftmost match first.
//! A match of a checked rule (an assignment, an `Authorization` value) is
//! then judged by its name, shape and entropy (`value.rs`); one that holds
//! a token of an unchecked kind is that kind. PEM blocks, the only matches
//! that span lines, are searched anchored where they begin. Every step is
//! linear in the text. Word boundaries are ASCII ones: a Unicode `\b` would
//! stop the fast engine at the first non-ASCII byte.
//!
//! The placeholder names the kind only (`<redacted:github-token>`), so the
//! output is a pure function of the input: the same secret gets the same
//! placeholder in every text of a run, and scrubbing twice changes nothing
//! more than scrubbing once: what follows a placeholder is searched as the
//! scrubbed text shows it (after its `>`), the text before it as ending at
//! its `<` (searched again, nested at most 8 deep, so still linear),
//! and a secret that starts inside a word takes the word's start with it.
//! `docs/SCENARIOS.md` lists the rules.

mod config;
mod rules;
mod value;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, PatternID};

pub use config::{ConfigError, Pattern, ScrubConfig};
use rules::{Check, PRIVATE_KEY, RULES};

/// At most this many literals per automaton: beyond 64, the fast SIMD
/// search (Teddy) gives way to a far slower one.
const LITERALS_PER_AUTOMATON: usize = 64;

/// One automaton of literals, with the rules each literal stands for.
#[derive(Clone)]
struct Anchors {
    automaton: AhoCorasick,
    rules: Vec<Vec<usize>>,
}

/// How deep the searches of text before a placeholder nest (see
/// [`Scrubber::scan_before`]).
const MAX_DEPTH: usize = 8;

/// Where a PEM block starts.
const PEM_START: &str = "-----BEGIN ";

/// The compiled rules: the built-in ones, plus a user's patterns and
/// allow-list. Cloning is cheap: the compiled parts are shared.
#[derive(Clone)]
pub struct Scrubber {
    /// Every rule's literals, each with the rules it stands for: a line is
    /// searched with the rules whose literals it holds. `None` when a user
    /// pattern has no literal prefix: then the whole text is searched with
    /// every rule.
    anchors: Option<Vec<Anchors>>,
    /// The private-key rule, searched anchored at each [`PEM_START`].
    pem: Regex,
    pem_rule: CompiledRule,
    /// Every line-local rule, user patterns first (the priority order).
    rules: Vec<CompiledRule>,
    /// Values to keep, each anchored at both ends.
    allow: Option<Regex>,
}

#[derive(Clone)]
struct CompiledRule {
    kind: Box<str>,
    placeholder: String,
    check: Check,
    regex: Regex,
}

/// A secret found in a text, without the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding<'s> {
    /// What kind of secret (`github-token`, `secret-assignment`, ...).
    pub kind: &'s str,
    /// Its byte offset in the text.
    pub offset: usize,
}

/// One rule's next match, remembered: searches start at increasing
/// offsets, so a match found from one offset serves every later one up to
/// its start.
#[derive(Default)]
struct NextMatch {
    /// The offset searched from and what was found there.
    last: Option<(usize, Option<Range<usize>>)>,
}

impl NextMatch {
    fn from(&mut self, regex: &Regex, text: &str, at: usize, end: usize) -> Option<Range<usize>> {
        if let Some((from, found)) = &self.last {
            if *from <= at && found.as_ref().is_none_or(|found| found.start >= at) {
                return found.clone();
            }
        }
        let found = regex
            .search(&Input::new(text).range(at..end))
            .map(|m| m.range());
        self.last = Some((at, found.clone()));
        found
    }

    /// The leftmost match in `at..end` as the scrubbed text shows it. Where
    /// a placeholder ends at `at` (`fresh`), the character before `at` is its
    /// `>`, not the secret's last one: a match starting at `at` is searched
    /// in a haystack that starts there (so `\b` sees no word before it).
    /// Later matches look no further back than their own start, so the
    /// remembered search serves them.
    fn scrubbed(
        &mut self,
        regex: &Regex,
        text: &str,
        at: usize,
        end: usize,
        fresh: bool,
    ) -> Option<Found> {
        if fresh {
            let input = Input::new(&text[at..])
                .range(..end - at)
                .anchored(Anchored::Yes);
            if let Some(found) = regex.search(&input) {
                return Some(Found {
                    range: at + found.start()..at + found.end(),
                    base: at,
                });
            }
        }
        let mut found = self.from(regex, text, at, end);
        if fresh && found.as_ref().is_some_and(|found| found.start == at) {
            found = self.from(regex, text, next_char(text, at), end);
        }
        found.map(|range| Found { range, base: 0 })
    }
}

/// A match, and where the haystack it was found in starts.
struct Found {
    range: Range<usize>,
    base: usize,
}

/// How [`Scrubber::emit`] went.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Emit {
    /// The secret is replaced by its placeholder.
    Replaced,
    /// The value is allowed (or empty) and stays.
    Kept,
    /// The caller asked to stop.
    Stop,
}

/// Where a scan goes on, and whether a placeholder ends there.
#[derive(Clone, Copy)]
struct Resume {
    at: usize,
    fresh: bool,
}

/// The parts of one match.
struct Parts {
    secret: Range<usize>,
    name: Option<Range<usize>>,
    quoted: bool,
}

impl Scrubber {
    /// Compiles the built-in rules.
    pub fn new() -> Scrubber {
        Scrubber::with_config(&ScrubConfig::default()).expect("the built-in scrub rules compile")
    }

    /// Compiles the built-in rules with `config`'s patterns (checked first)
    /// and allow-list; an entry that does not compile, matches the empty
    /// text or its own placeholder is an error naming it.
    pub fn with_config(config: &ScrubConfig) -> Result<Scrubber, ConfigError> {
        let mut rules = Vec::new();
        // Per rule, its literals; `None` when it has none.
        let mut literals: Vec<Option<Vec<Vec<u8>>>> = Vec::new();
        for (index, pattern) in config.patterns.iter().enumerate() {
            let at = |field: &str, message: String| ConfigError {
                path: format!("patterns[{index}].{field}"),
                message,
            };
            if !config::valid_kind(&pattern.kind) {
                return Err(at(
                    "kind",
                    format!(
                        "`{}` is no kind name: use lower-case letters, digits and `-`, \
                         starting with a letter (`acme-token`)",
                        pattern.kind
                    ),
                ));
            }
            let source = ascii_word_boundaries(&pattern.regex);
            let regex = Regex::new(&source)
                .map_err(|err| at("regex", format!("does not compile: {err}")))?;
            if regex.is_match("") {
                return Err(at(
                    "regex",
                    "matches the empty text: it would match everywhere; make it ask for at \
                     least one character"
                        .to_owned(),
                ));
            }
            literals.push(literal_prefixes(&source));
            rules.push(CompiledRule::new(&pattern.kind, Check::None, regex));
        }
        for rule in RULES {
            let regex = Regex::new(&ascii_word_boundaries(rule.pattern))
                .expect("the built-in scrub rules compile");
            literals.push(Some(
                rule.anchors.iter().map(|a| a.as_bytes().to_vec()).collect(),
            ));
            rules.push(CompiledRule::new(rule.kind, rule.check, regex));
        }
        let anchors = anchors(&literals);
        let pem = Regex::new(&ascii_word_boundaries(PRIVATE_KEY.pattern))
            .expect("the private-key rule compiles");
        let allow = if config.allow.is_empty() {
            None
        } else {
            for (index, regex) in config.allow.iter().enumerate() {
                Regex::new(regex).map_err(|err| ConfigError {
                    path: format!("allow[{index}]"),
                    message: format!("does not compile: {err}"),
                })?;
            }
            let anchored: Vec<String> = config
                .allow
                .iter()
                .map(|regex| format!(r"\A(?:{})\z", ascii_word_boundaries(regex)))
                .collect();
            Some(Regex::new_many(&anchored).map_err(|err| ConfigError {
                path: "allow".to_owned(),
                message: format!("does not compile: {err}"),
            })?)
        };
        let pem_rule = CompiledRule::new(PRIVATE_KEY.kind, Check::None, pem.clone());
        let scrubber = Scrubber {
            anchors,
            pem,
            pem_rule,
            rules,
            allow,
        };
        for pattern in &config.patterns {
            let placeholder = placeholder(&pattern.kind);
            if let Some(finding) = scrubber.find(&placeholder) {
                // Name the pattern that matched; a built-in kind cannot.
                let index = config
                    .patterns
                    .iter()
                    .position(|p| p.kind == finding.kind)
                    .unwrap_or(0);
                return Err(ConfigError {
                    path: format!("patterns[{index}].regex"),
                    message: format!(
                        "its placeholder `{placeholder}` would be scrubbed again (as {}): \
                         make the pattern leave `<redacted:...>` alone",
                        finding.kind
                    ),
                });
            }
        }
        Ok(scrubber)
    }

    /// Every kind this scrubber can report, user kinds first, each once.
    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = Vec::new();
        for kind in self
            .rules
            .iter()
            .map(|rule| &*rule.kind)
            .chain([&*self.pem_rule.kind])
        {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        kinds
    }

    /// The shared instance of the built-in rules.
    pub fn global() -> &'static Scrubber {
        static SCRUBBER: OnceLock<Scrubber> = OnceLock::new();
        SCRUBBER.get_or_init(Scrubber::new)
    }

    /// Replaces every secret in `text` by its placeholder; borrows when
    /// there is none.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = String::new();
        let mut last = 0;
        let mut changed = false;
        self.each_secret(text, &mut |range, rule| {
            out.push_str(&text[last..range.start]);
            out.push_str(&rule.placeholder);
            last = range.end;
            changed = true;
            true
        });
        if !changed {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// The first secret in `text`, if any.
    pub fn find(&self, text: &str) -> Option<Finding<'_>> {
        let mut first = None;
        self.each_secret(text, &mut |range, rule| {
            first = Some(Finding {
                kind: &rule.kind,
                offset: range.start,
            });
            false
        });
        first
    }

    /// Calls `each` with every secret's range and rule, in order, until it
    /// returns `false`.
    fn each_secret<'s>(
        &'s self,
        text: &str,
        each: &mut dyn FnMut(Range<usize>, &'s CompiledRule) -> bool,
    ) {
        let Some(groups) = &self.anchors else {
            let every: Vec<usize> = (0..self.rules.len()).collect();
            self.scan_line(text, 0, text.len(), &every, false, each);
            return;
        };
        let mut next_hits: Vec<Option<(usize, Option<usize>)>> = vec![None; groups.len()];
        let mut selected = vec![false; self.rules.len()];
        let mut at = 0;
        let mut fresh_at = None;
        while at < text.len() {
            // The next literal of any automaton, each remembered until
            // passed.
            let mut hit = None;
            for (group, last) in groups.iter().zip(&mut next_hits) {
                let found = match *last {
                    Some((from, found)) if from <= at && found.is_none_or(|f| f >= at) => found,
                    _ => {
                        let input = aho_corasick::Input::new(text).span(at..text.len());
                        let found = group.automaton.find(input).map(|m| m.start());
                        *last = Some((at, found));
                        found
                    }
                };
                hit = hit.min(found).or(hit).or(found);
            }
            let Some(hit) = hit else {
                return;
            };
            let start = text[at..hit].rfind('\n').map_or(at, |i| at + i + 1);
            let end = text[hit..].find('\n').map_or(text.len(), |i| hit + i);
            selected.iter_mut().for_each(|on| *on = false);
            for group in groups {
                let line = aho_corasick::Input::new(text).span(hit..end);
                for found in group.automaton.find_iter(line) {
                    for &rule in &group.rules[found.pattern().as_usize()] {
                        selected[rule] = true;
                    }
                }
            }
            let rules: Vec<usize> = (0..self.rules.len()).filter(|&r| selected[r]).collect();
            let fresh = fresh_at == Some(start);
            match self.scan_line(text, start, end, &rules, fresh, each) {
                Some(next) => {
                    fresh_at = next.fresh.then_some(next.at);
                    at = next.at.max(end);
                }
                None => return,
            }
        }
    }

    /// Scans `start..end` (one line, or the whole text) with `rules`, and
    /// the PEM blocks that start in it, `fresh` when a placeholder ends at
    /// `start`; `None` when `each` asked to stop, else where scanning ended
    /// (past `end` after a block).
    fn scan_line<'s>(
        &'s self,
        text: &str,
        start: usize,
        end: usize,
        rules: &[usize],
        fresh: bool,
        each: &mut dyn FnMut(Range<usize>, &'s CompiledRule) -> bool,
    ) -> Option<Resume> {
        let mut pos = Resume { at: start, fresh };
        while pos.at < end {
            let pem_at = text[pos.at..end].find(PEM_START).map(|i| pos.at + i);
            let stop = pem_at.unwrap_or(end);
            let block = pem_at.and_then(|begin| {
                let input = Input::new(text).range(begin..).anchored(Anchored::Yes);
                self.pem.search(&input)
            });
            // Before a block that goes, the text ends at its placeholder.
            let before = match &block {
                Some(block) if self.replaces(text, block.range()) => &text[..stop],
                _ => text,
            };
            self.scan_range(before, pos, stop, rules, 0, each)?;
            pos = Resume {
                at: stop,
                fresh: false,
            };
            if let Some(begin) = pem_at {
                match block {
                    Some(block) => {
                        let emitted = self.emit(text, block.range(), &self.pem_rule, each);
                        if emitted == Emit::Stop {
                            return None;
                        }
                        pos = Resume {
                            at: block.end(),
                            fresh: emitted == Emit::Replaced,
                        };
                    }
                    None => pos.at = begin + 1,
                }
            }
        }
        Some(pos)
    }

    /// `rules` over `start..end`: the leftmost match first, the earlier
    /// rule first where two start at the same place. Each is searched as
    /// the scrubbed text shows it, with the placeholders of the secrets
    /// around it in place: a second pass then finds nothing new. `depth`
    /// counts the searches of text before a placeholder this one is in.
    fn scan_range<'s>(
        &'s self,
        text: &str,
        start: Resume,
        end: usize,
        rules: &[usize],
        depth: usize,
        each: &mut dyn FnMut(Range<usize>, &'s CompiledRule) -> bool,
    ) -> Option<()> {
        let mut next: Vec<NextMatch> = rules.iter().map(|_| NextMatch::default()).collect();
        let mut at = start.at;
        // Where the last placeholder ends.
        let mut placeholder_end = start.fresh.then_some(at);
        while at < end {
            let fresh = placeholder_end == Some(at);
            let mut best: Option<(usize, Found)> = None;
            for (slot, &rule) in rules.iter().enumerate() {
                let regex = &self.rules[rule].regex;
                if let Some(found) = next[slot].scrubbed(regex, text, at, end, fresh) {
                    if best
                        .as_ref()
                        .is_none_or(|(_, b)| found.range.start < b.range.start)
                    {
                        best = Some((slot, found));
                    }
                }
            }
            let Some((slot, Found { range: found, base })) = best else {
                break;
            };
            let rule = &self.rules[rules[slot]];
            let parts = parts_of(&rule.regex, text, base, found.clone());
            if rule.check != Check::None {
                // A match that holds a token of an unchecked kind (a `ghp_`
                // token assigned to `API_KEY`) is that kind, whatever the
                // check says, and goes as a whole: what is left of it
                // would be judged anew by a second pass.
                let mut inner: Option<(usize, Range<usize>)> = None;
                for (slot, &other) in rules.iter().enumerate() {
                    if self.rules[other].check != Check::None {
                        continue;
                    }
                    let regex = &self.rules[other].regex;
                    let fresh = fresh && found.start == at;
                    if let Some(Found { range: found, .. }) =
                        next[slot].scrubbed(regex, text, found.start, end, fresh)
                    {
                        if inner.as_ref().is_none_or(|(_, b)| found.start < b.start) {
                            inner = Some((other, found));
                        }
                    }
                }
                // One inside the name (`KEY-----sk-ant-...: value`) is
                // found on its own; the assignment goes.
                if let Some((_, token)) = &inner {
                    if found.start < token.start && token.start < parts.secret.start {
                        at = token.start;
                        continue;
                    }
                }
                if let Some((other, token)) =
                    inner.filter(|(_, token)| token.start < parts.secret.end)
                {
                    let whole =
                        word_start(text, at, parts.secret.start)..parts.secret.end.max(token.end);
                    self.scan_before(text, at, fresh, whole.clone(), rules, depth, each)?;
                    at = whole.end;
                    match self.emit(text, whole, &self.rules[other], each) {
                        Emit::Stop => return None,
                        Emit::Replaced => placeholder_end = Some(at),
                        Emit::Kept => {}
                    }
                    continue;
                }
                if !self.accepts(text, &parts, rule) {
                    at = found.end.max(next_char(text, at));
                    continue;
                }
            }
            let secret = word_start(text, at, parts.secret.start)..parts.secret.end;
            self.scan_before(text, at, fresh, secret.clone(), rules, depth, each)?;
            match self.emit(text, secret, rule, each) {
                Emit::Stop => return None,
                Emit::Replaced => placeholder_end = Some(parts.secret.end),
                Emit::Kept => {}
            }
            at = found.end.max(next_char(text, at));
        }
        Some(())
    }

    /// Whether a checked rule's match is a secret.
    fn accepts(&self, text: &str, parts: &Parts, rule: &CompiledRule) -> bool {
        let secret = &text[parts.secret.clone()];
        match rule.check {
            Check::None => true,
            Check::Assignment => {
                let name = parts.name.clone().map_or("", |name| &text[name]);
                let next = text[parts.secret.end..].chars().next();
                value::assignment(name, secret, parts.quoted, next)
            }
            Check::Authorization => value::authorization(secret),
            Check::Bearer => value::bearer(secret),
            Check::NotReference => value::not_reference(secret),
        }
    }

    /// Scans `at..secret.start` again as the text shows it when `secret`
    /// goes: ending at its placeholder's `<`. Nothing matched there before
    /// `secret`'s match, but a value that went on into the secret may end
    /// at the placeholder (`abc8Q~...` before a token). Nested at most
    /// [`MAX_DEPTH`] deep, so a chain of such values costs no more stack.
    #[allow(clippy::too_many_arguments)]
    fn scan_before<'s>(
        &'s self,
        text: &str,
        at: usize,
        fresh: bool,
        secret: Range<usize>,
        rules: &[usize],
        depth: usize,
        each: &mut dyn FnMut(Range<usize>, &'s CompiledRule) -> bool,
    ) -> Option<()> {
        if secret.start <= at || depth >= MAX_DEPTH || !self.replaces(text, secret.clone()) {
            return Some(());
        }
        let before = &text[..secret.start];
        self.scan_range(
            before,
            Resume { at, fresh },
            secret.start,
            rules,
            depth + 1,
            each,
        )
    }

    /// Whether the secret at `range` is replaced: it is neither empty nor
    /// allowed.
    fn replaces(&self, text: &str, range: Range<usize>) -> bool {
        let allowed = self
            .allow
            .as_ref()
            .is_some_and(|allow| allow.is_match(&text[range.clone()]));
        !range.is_empty() && !allowed
    }

    /// Hands a secret to `each` unless it is empty or allowed.
    fn emit<'s>(
        &'s self,
        text: &str,
        secret: Range<usize>,
        rule: &'s CompiledRule,
        each: &mut dyn FnMut(Range<usize>, &'s CompiledRule) -> bool,
    ) -> Emit {
        if !self.replaces(text, secret.clone()) {
            Emit::Kept
        } else if each(secret, rule) {
            Emit::Replaced
        } else {
            Emit::Stop
        }
    }
}

impl Default for Scrubber {
    fn default() -> Scrubber {
        Scrubber::new()
    }
}

impl CompiledRule {
    fn new(kind: &str, check: Check, regex: Regex) -> CompiledRule {
        CompiledRule {
            kind: kind.into(),
            placeholder: placeholder(kind),
            check,
            regex,
        }
    }
}

/// The automata of every rule's literals, with the rules each stands
/// for; `None` when a rule has none.
fn anchors(literals: &[Option<Vec<Vec<u8>>>]) -> Option<Vec<Anchors>> {
    let mut by_literal: std::collections::BTreeMap<Vec<u8>, Vec<usize>> = Default::default();
    for (rule, literals) in literals.iter().enumerate() {
        for literal in literals.as_ref()? {
            by_literal.entry(literal.clone()).or_default().push(rule);
        }
    }
    // A PEM block starts a line's search too (it names no line-local rule).
    by_literal.entry(PEM_START.as_bytes().to_vec()).or_default();
    // Lines are searched for literals without overlaps, so a literal that
    // may start inside another (`sk-ant-` inside `sk-`, `Key` inside
    // `AccountKey=`) is selected through it.
    let overlaps = |outer: &[u8], inner: &[u8]| {
        (0..outer.len()).any(|k| {
            let n = (outer.len() - k).min(inner.len());
            outer[k..k + n] == inner[..n]
        })
    };
    let mut literals: Vec<(Vec<u8>, Vec<usize>)> = by_literal
        .keys()
        .map(|outer| {
            let mut rules: Vec<usize> = by_literal
                .iter()
                .filter(|(inner, _)| overlaps(outer, inner))
                .flat_map(|(_, rules)| rules.iter().copied())
                .collect();
            rules.sort_unstable();
            rules.dedup();
            (outer.clone(), rules)
        })
        .collect();
    // Short literals together: each automaton's SIMD search keys on as
    // many bytes as its shortest literal has.
    literals.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
    let mut chunks: Vec<&[(Vec<u8>, Vec<usize>)]> = Vec::new();
    let mut rest = &literals[..];
    while let Some((first, _)) = rest.first() {
        let same = rest
            .iter()
            .take_while(|(l, _)| l.len().min(4) == first.len().min(4))
            .count();
        let (chunk, tail) = rest.split_at(same.min(LITERALS_PER_AUTOMATON));
        chunks.push(chunk);
        rest = tail;
    }
    let groups = chunks
        .into_iter()
        .map(|chunk| {
            let automaton = AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(chunk.iter().map(|(literal, _)| literal))
                .expect("a few short literals make an automaton");
            Anchors {
                automaton,
                rules: chunk.iter().map(|(_, rules)| rules.clone()).collect(),
            }
        })
        .collect();
    Some(groups)
}

/// The `secret`, `name` and `quote` groups of the match at `range`, found
/// in the haystack that starts at `base` (the whole match when there is no
/// `secret` group).
fn parts_of(regex: &Regex, text: &str, base: usize, range: Range<usize>) -> Parts {
    let id = PatternID::ZERO;
    let info = regex.group_info();
    let secret_group = info.to_index(id, "secret");
    let name_group = info.to_index(id, "name");
    let quote_group = info.to_index(id, "quote");
    if secret_group.is_none() && name_group.is_none() {
        return Parts {
            secret: range,
            name: None,
            quoted: false,
        };
    }
    let mut caps = regex.create_captures();
    let input = Input::new(&text[base..])
        .range(range.start - base..range.end - base)
        .anchored(Anchored::Pattern(id));
    regex.search_captures(&input, &mut caps);
    let group = |index: Option<usize>| {
        index
            .and_then(|index| caps.get_group(index))
            .map(|span| base + span.start..base + span.end)
    };
    Parts {
        secret: group(secret_group).unwrap_or(range),
        name: group(name_group),
        quoted: group(quote_group).is_some(),
    }
}

/// Where the word that `start` falls inside begins, but not before `at`
/// (what comes before is decided): a secret that starts inside a word takes
/// the word's start with it. Else the placeholder's `<` would end the word
/// before it, a word boundary the text did not have, and a second pass
/// would judge that word anew.
fn word_start(text: &str, at: usize, start: usize) -> usize {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = text.as_bytes();
    if !bytes.get(start).is_some_and(word) {
        return start;
    }
    let mut start = start;
    while start > at && word(&bytes[start - 1]) {
        start -= 1;
    }
    start
}

/// The byte offset of the character after the one at `at`.
fn next_char(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .next()
        .map_or(at + 1, |c| at + c.len_utf8())
}

/// The literals every match of `pattern` starts with, when there are a
/// few of at least two bytes each.
fn literal_prefixes(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let prefixes = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    let literals = prefixes.literals()?;
    if literals.is_empty() || literals.iter().any(|literal| literal.as_bytes().len() < 2) {
        return None;
    }
    Some(
        literals
            .iter()
            .map(|literal| literal.as_bytes().to_vec())
            .collect(),
    )
}

/// Rewrites `\b` to the ASCII `(?-u:\b)`, leaving `\\b` (a backslash, then
/// `b`) alone.
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str(r"(?-u:\b)"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The placeholder of one kind of secret, e.g. `<redacted:github-token>`.
pub fn placeholder(kind: &str) -> String {
    format!("<redacted:{kind}>")
}

/// Scrubs `text` with the shared [`Scrubber`].
pub fn scrub(text: &str) -> String {
    Scrubber::global().scrub(text).into_owned()
}
