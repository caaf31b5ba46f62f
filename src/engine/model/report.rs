//! How well intents are read: precision and recall per intent, the confusion matrix
//! and the pairs most often mistaken, from (expected, read) pairs. Used by
//! `comptoir eval --report` on labelled conversations and by the corpus's
//! cross-validation (`comptoir eval --cross-validate`).

use std::fmt::Write;

use super::{Example, Model, Settings};
use crate::engine::intent::Intent;

const N: usize = Intent::ALL.len();

fn at(intent: Intent) -> usize {
    Intent::ALL
        .iter()
        .position(|i| *i == intent)
        .unwrap_or(N - 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// `counts[expected][read]`.
    pub counts: [[u32; N]; N],
}

impl Default for Confusion {
    fn default() -> Confusion {
        Confusion {
            counts: [[0; N]; N],
        }
    }
}

impl Confusion {
    pub fn add(&mut self, expected: Intent, read: Intent) {
        self.counts[at(expected)][at(read)] += 1;
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    pub fn correct(&self) -> u32 {
        (0..N).map(|i| self.counts[i][i]).sum()
    }

    /// Of the messages read as `intent`, the share that were (None when none were).
    pub fn precision(&self, intent: Intent) -> Option<f64> {
        let i = at(intent);
        let read: u32 = (0..N).map(|e| self.counts[e][i]).sum();
        (read > 0).then(|| f64::from(self.counts[i][i]) / f64::from(read))
    }

    /// Of the messages that were `intent`, the share read so (None when none were).
    pub fn recall(&self, intent: Intent) -> Option<f64> {
        let i = at(intent);
        let expected: u32 = self.counts[i].iter().sum();
        (expected > 0).then(|| f64::from(self.counts[i][i]) / f64::from(expected))
    }

    /// The mistakes, most frequent first: (expected, read, count).
    pub fn confused_pairs(&self) -> Vec<(Intent, Intent, u32)> {
        let mut pairs = Vec::new();
        for e in 0..N {
            for r in 0..N {
                if e != r && self.counts[e][r] > 0 {
                    pairs.push((Intent::ALL[e], Intent::ALL[r], self.counts[e][r]));
                }
            }
        }
        pairs.sort_by(|a, b| b.2.cmp(&a.2).then(at(a.0).cmp(&at(b.0))));
        pairs
    }

    /// The whole report, as text for a terminal.
    pub fn render(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("    -".to_string(), |v| format!("{:5.1}", v * 100.0));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "intents read right: {}/{} ({:.1} %)\n",
            self.correct(),
            self.total(),
            100.0 * f64::from(self.correct()) / f64::from(self.total().max(1))
        );
        let _ = writeln!(
            out,
            "{:<22} {:>9} {:>7} {:>6}",
            "intent", "precision", "recall", "count"
        );
        for intent in Intent::ALL {
            let count: u32 = self.counts[at(intent)].iter().sum();
            if count == 0 && self.precision(intent).is_none() {
                continue;
            }
            let _ = writeln!(
                out,
                "{:<22} {:>9} {:>7} {:>6}",
                intent.code(),
                pct(self.precision(intent)),
                pct(self.recall(intent)),
                count
            );
        }
        // The matrix with short column heads (the row's intent, abbreviated).
        let used: Vec<usize> = (0..N)
            .filter(|&i| {
                self.counts[i].iter().any(|c| *c > 0) || (0..N).any(|e| self.counts[e][i] > 0)
            })
            .collect();
        let _ = writeln!(out, "\nconfusion (rows: expected, columns: read)");
        let _ = write!(out, "{:<22}", "");
        for &c in &used {
            let _ = write!(
                out,
                " {:>5}",
                &Intent::ALL[c].code()[..5.min(Intent::ALL[c].code().len())]
            );
        }
        let _ = writeln!(out);
        for &e in &used {
            let _ = write!(out, "{:<22}", Intent::ALL[e].code());
            for &r in &used {
                let _ = write!(out, " {:>5}", self.counts[e][r]);
            }
            let _ = writeln!(out);
        }
        let pairs = self.confused_pairs();
        if !pairs.is_empty() {
            let _ = writeln!(out, "\nmost confused (expected → read)");
            for (e, r, n) in pairs.iter().take(10) {
                let _ = writeln!(out, "{n:>5}  {} → {}", e.code(), r.code());
            }
        }
        out
    }
}

/// K-fold cross-validation: each fold is read by a model trained on the others. Folds
/// take every k-th group of examples (a written line and its variants stay together),
/// so each holds all intents and both languages.
pub fn cross_validate(examples: &[Example], k: usize, settings: Settings) -> Confusion {
    let k = k.max(2);
    let mut confusion = Confusion::default();
    for fold in 0..k {
        let train: Vec<Example> = examples
            .iter()
            .filter(|e| e.group % k != fold)
            .cloned()
            .collect();
        let model = Model::train(&train, settings);
        for e in examples.iter().filter(|e| e.group % k == fold) {
            confusion.add(e.intent, model.read(&e.text, e.signals).intent);
        }
    }
    confusion
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_and_pairs() {
        let mut c = Confusion::default();
        c.add(Intent::ShopHours, Intent::ShopHours);
        c.add(Intent::ShopHours, Intent::ShopHours);
        c.add(Intent::ShopHours, Intent::ShopAddress);
        c.add(Intent::ShopAddress, Intent::ShopAddress);
        assert_eq!(c.recall(Intent::ShopHours), Some(2.0 / 3.0));
        assert_eq!(c.precision(Intent::ShopAddress), Some(0.5));
        assert_eq!(c.precision(Intent::Price), None);
        assert_eq!(
            c.confused_pairs(),
            vec![(Intent::ShopHours, Intent::ShopAddress, 1)]
        );
        let text = c.render();
        assert!(text.contains("3/4"), "{text}");
        assert!(text.contains("shop_hours → shop_address"), "{text}");
    }
}
