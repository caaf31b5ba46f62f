//! The intent model: multinomial logistic regression over hashed word, word-pair and
//! character n-gram features (`features`), trained from the project's labelled corpus
//! (`corpus`) plus the examples a shop taught its assistant. Training is deterministic
//! (a fixed seed orders the examples) and takes a fraction of a second, so the model is
//! trained at start-up and again, in the background, when the shop teaches it.
//!
//! The softmax gives a confidence; below `threshold` the message counts as not
//! understood, so the shop's choice (ask to rephrase, or hand over) applies.

pub mod corpus;
pub mod features;
pub mod report;

use std::collections::HashMap;

use self::features::Signals;
use super::intent::Intent;

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub text: String,
    pub intent: Intent,
    pub signals: Signals,
    /// Examples made from the same written line (its framed and misspelt variants)
    /// share a group, so cross-validation never tests a line on its own variant.
    pub group: usize,
}

/// What the model read in a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The intent acted on: `Unknown` when the best guess is below the threshold.
    pub intent: Intent,
    /// The probability of the best guess (0–1).
    pub confidence: f32,
    /// The best guess, whatever its confidence.
    pub best: Intent,
    /// The second best guess and its probability: "did it hesitate, and with what?"
    pub runner_up: (Intent, f32),
}

/// How training goes; the defaults are what the project ships with.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty applied to the weights a step touches.
    pub l2: f32,
    pub seed: u64,
    /// Below this confidence a message is not understood.
    pub threshold: f32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            epochs: 12,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 0x5eed_c0de,
            threshold: 0.4,
        }
    }
}

const CLASSES: usize = Intent::ALL.len();

/// Feature keys are already FNV hashes: hashing them again is wasted time.
#[derive(Debug, Clone, Copy, Default)]
struct Prehashed;

impl std::hash::BuildHasher for Prehashed {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn class_of(intent: Intent) -> usize {
    Intent::ALL
        .iter()
        .position(|i| *i == intent)
        .unwrap_or(CLASSES - 1)
}

#[derive(Debug, Clone)]
pub struct Model {
    /// Feature hash → row of `weights`.
    rows: HashMap<u64, u32, Prehashed>,
    /// One row of `CLASSES` weights per known feature.
    weights: Vec<f32>,
    pub threshold: f32,
    /// How many examples it learnt from.
    pub examples: usize,
}

/// A small deterministic generator for the order examples are seen in.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

fn softmax(scores: &mut [f32; CLASSES]) {
    let max = scores.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    for s in scores.iter_mut() {
        *s /= sum;
    }
}

impl Model {
    /// Learns from `examples` (an empty list gives a model that understands nothing).
    pub fn train(examples: &[Example], settings: Settings) -> Model {
        let mut rows: HashMap<u64, u32, Prehashed> = HashMap::default();
        let encoded: Vec<(Vec<u32>, usize)> = examples
            .iter()
            .map(|e| {
                let feats = features::extract(&e.text, e.signals)
                    .into_iter()
                    .map(|f| {
                        let next = rows.len() as u32;
                        *rows.entry(f).or_insert(next)
                    })
                    .collect();
                (feats, class_of(e.intent))
            })
            .collect();
        let mut weights = vec![0.0f32; rows.len() * CLASSES];
        // AdaGrad: each weight's step shrinks with the gradients it has seen, so rare
        // features (a typo's n-gram) still learn while common ones settle.
        let mut squared = vec![1e-6f32; rows.len() * CLASSES];
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        let mut rng = XorShift(settings.seed | 1);
        for _ in 0..settings.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let (feats, class) = &encoded[i];
                let scale = 1.0 / (feats.len().max(1) as f32).sqrt();
                let mut p = [0.0f32; CLASSES];
                for &f in feats {
                    let row = &weights[f as usize * CLASSES..][..CLASSES];
                    for (s, w) in p.iter_mut().zip(row) {
                        *s += w * scale;
                    }
                }
                softmax(&mut p);
                for &f in feats {
                    let at = f as usize * CLASSES;
                    for c in 0..CLASSES {
                        let target = if c == *class { 1.0 } else { 0.0 };
                        let w = &mut weights[at + c];
                        let g = (p[c] - target) * scale + settings.l2 * *w;
                        let acc = &mut squared[at + c];
                        *acc += g * g;
                        *w -= settings.learning_rate * g / acc.sqrt();
                    }
                }
            }
        }
        Model {
            rows,
            weights,
            threshold: settings.threshold,
            examples: examples.len(),
        }
    }

    /// The probability of each intent, in `Intent::ALL` order.
    pub fn probabilities(&self, text: &str, signals: Signals) -> [f32; CLASSES] {
        let all = features::extract(text, signals);
        // Scaled by the message's own feature count, as in training, unseen ones included:
        // a message made mostly of words never seen gets flatter odds.
        let scale = 1.0 / (all.len().max(1) as f32).sqrt();
        let mut p = [0.0f32; CLASSES];
        for f in all.iter().filter_map(|f| self.rows.get(f)) {
            let row = &self.weights[*f as usize * CLASSES..][..CLASSES];
            for (s, w) in p.iter_mut().zip(row) {
                *s += w * scale;
            }
        }
        softmax(&mut p);
        p
    }

    pub fn read(&self, text: &str, signals: Signals) -> Reading {
        let p = self.probabilities(text, signals);
        let mut ranked: Vec<(Intent, f32)> = Intent::ALL.iter().copied().zip(p).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (best, confidence) = ranked[0];
        Reading {
            intent: if confidence >= self.threshold {
                best
            } else {
                Intent::Unknown
            },
            confidence,
            best,
            runner_up: ranked[1],
        }
    }

    /// How many features it knows (for the benchmarks' memory figure).
    pub fn size(&self) -> (usize, usize) {
        (
            self.rows.len(),
            self.weights.len() * std::mem::size_of::<f32>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(text: &str, intent: Intent) -> Example {
        Example {
            text: text.into(),
            intent,
            signals: Signals::default(),
            group: 0,
        }
    }

    fn toy() -> Vec<Example> {
        let mut out = Vec::new();
        for t in [
            "quels sont vos horaires",
            "vous ouvrez a quelle heure",
            "vous fermez quand",
            "what time do you open",
            "when do you close",
            "opening hours please",
        ] {
            out.push(ex(t, Intent::ShopHours));
        }
        for t in [
            "ou est ma commande",
            "suivi de ma commande",
            "where is my order",
            "track my order please",
            "my parcel has not arrived",
            "mon colis n'est pas arrive",
        ] {
            out.push(ex(t, Intent::OrderStatus));
        }
        for t in [
            "merci beaucoup",
            "merci c'est gentil",
            "thanks a lot",
            "thank you so much",
        ] {
            out.push(ex(t, Intent::Thanks));
        }
        out
    }

    #[test]
    fn learns_a_toy_corpus_and_reads_new_wording() {
        let model = Model::train(&toy(), Settings::default());
        assert_eq!(
            model
                .read("a quelle heure vous fermez ce soir", Signals::default())
                .intent,
            Intent::ShopHours
        );
        assert_eq!(
            model.read("where's my order??", Signals::default()).intent,
            Intent::OrderStatus
        );
        assert_eq!(
            model.read("merciii", Signals::default()).best,
            Intent::Thanks,
            "character n-grams carry a stretched word"
        );
    }

    #[test]
    fn confidence_falls_on_gibberish() {
        let model = Model::train(&toy(), Settings::default());
        let clear = model.read("quels sont vos horaires", Signals::default());
        let noise = model.read("zqxv pmlk wrrt", Signals::default());
        assert!(clear.confidence > 0.8, "{clear:?}");
        assert!(noise.confidence < clear.confidence - 0.3, "{noise:?}");
        assert_eq!(noise.intent, Intent::Unknown);
    }

    #[test]
    fn training_is_deterministic() {
        let a = Model::train(&toy(), Settings::default());
        let b = Model::train(&toy(), Settings::default());
        assert_eq!(a.weights, b.weights);
        let text = "vous ouvrez demain ?";
        assert_eq!(
            a.probabilities(text, Signals::default()),
            b.probabilities(text, Signals::default())
        );
    }

    #[test]
    fn an_empty_corpus_understands_nothing() {
        let model = Model::train(&[], Settings::default());
        assert_eq!(
            model.read("bonjour", Signals::default()).intent,
            Intent::Unknown
        );
    }
}
