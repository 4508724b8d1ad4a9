//! `--partition count:K/N` and `hash:K/N`, with cargo-nextest's semantics.

use std::fmt;
use std::str::FromStr;

use xxhash_rust::xxh64::xxh64;

/// One shard of N: by position among the selected tests (`count`), or by
/// the hash of the test name (`hash`, xxHash64 with seed 0, as nextest 0.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// The K-th of every N tests, in name order, after filtering.
    Count {
        /// K, from 1.
        shard: u64,
        /// N.
        of: u64,
    },
    /// Tests whose name hashes to K-1 modulo N.
    Hash {
        /// K, from 1.
        shard: u64,
        /// N.
        of: u64,
    },
}

impl Partition {
    /// The tests of this shard, from `names` sorted by name.
    pub fn select<T>(self, mut items: Vec<T>, name: impl Fn(&T) -> String) -> Vec<T> {
        items.sort_by_key(&name);
        match self {
            Partition::Count { shard, of } => items
                .into_iter()
                .enumerate()
                .filter(|(index, _)| *index as u64 % of == shard - 1)
                .map(|(_, item)| item)
                .collect(),
            Partition::Hash { shard, of } => items
                .into_iter()
                .filter(|item| xxh64(name(item).as_bytes(), 0) % of == shard - 1)
                .collect(),
        }
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let bad = |why: &str| {
            format!("--partition `{text}`: {why}; expected count:K/N or hash:K/N with 1 ≤ K ≤ N")
        };
        let (kind, rest) = text.split_once(':').ok_or_else(|| bad("no `:`"))?;
        let (shard, of) = rest.split_once('/').ok_or_else(|| bad("no `/`"))?;
        let number = |n: &str| {
            n.parse::<u64>()
                .map_err(|_| bad(&format!("`{n}` is not a number")))
        };
        let (shard, of) = (number(shard)?, number(of)?);
        if shard == 0 || shard > of {
            return Err(bad("K is out of range"));
        }
        match kind {
            "count" => Ok(Partition::Count { shard, of }),
            "hash" => Ok(Partition::Hash { shard, of }),
            other => Err(bad(&format!("unknown kind `{other}`"))),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Partition::Count { shard, of } => write!(f, "count:{shard}/{of}"),
            Partition::Hash { shard, of } => write!(f, "hash:{shard}/{of}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("topic::task_{i:02}::coder"))
            .collect()
    }

    #[test]
    fn shards_cover_every_test_exactly_once() {
        for kind in ["count", "hash"] {
            let mut all: Vec<String> = (1..=3)
                .flat_map(|k| {
                    let partition: Partition = format!("{kind}:{k}/3").parse().unwrap();
                    partition.select(names(20), String::clone)
                })
                .collect();
            all.sort();
            assert_eq!(all, names(20), "{kind}");
        }
    }

    #[test]
    fn count_deals_round_robin_in_name_order() {
        let partition: Partition = "count:2/3".parse().unwrap();
        let picked = partition.select(names(7), String::clone);
        assert_eq!(picked, [names(7)[1].clone(), names(7)[4].clone()]);
    }

    #[test]
    fn hash_is_nextest_xxh64_of_the_name() {
        // xxh64("a", 0) = 0xd24ec4f1a98c6e5b, odd: shard 2 of 2.
        let hash: Partition = "hash:2/2".parse().unwrap();
        assert_eq!(hash.select(vec!["a".to_owned()], String::clone), ["a"]);
    }

    #[test]
    fn bad_partitions_say_what_is_expected() {
        for bad in ["count:0/2", "hash:3/2", "count:1", "slice:1/2", "hash:a/2"] {
            let err = bad.parse::<Partition>().unwrap_err();
            assert!(err.contains("count:K/N or hash:K/N"), "{err}");
        }
        assert_eq!(
            "hash:1/4".parse::<Partition>().unwrap().to_string(),
            "hash:1/4"
        );
    }
}
