//! The set of offer ids an import has seen, for the duplicate check.
//!
//! * Numeric ids (Mirakl's offer ids are int64; canonical decimal up to 18 digits) are kept
//!   **exactly**, as bits of 512-id blocks (64 bytes a block): a catalog's ids are usually
//!   dense, so a million ids take about 130 KiB and stay in cache. When they turn out sparse
//!   (fewer than 4 ids a block over 4,096 blocks), they move to the hash set below, keyed by a
//!   bijection of the number (still exact).
//! * Other ids are kept as 64-bit hashes in 256 open-addressing shards, each grown by half
//!   when 80 % full: about 8 bytes / 0.65 an id (12 to 14 MiB a million), and a growth never
//!   holds more than one shard twice (no doubling spike of the whole table).

/// A 64-bit hash of an offer id: 8-byte words mixed by multiply-rotate, the length folded in,
/// then the MurmurHash3 finaliser. Ids of up to 8 bytes of one length get distinct hashes
/// (every step is a bijection); longer ones collide with the odds of a random 64-bit hash.
#[inline]
pub(crate) fn id_hash(id: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (id.len() as u64).wrapping_mul(K);
    let mut words = id.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    let mut b = [0u8; 8];
    let rest = words.remainder();
    b[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K);
    // MurmurHash3 fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// One shard: linear probing over `slots` (0 is an empty slot).
#[derive(Debug, Default)]
struct Shard {
    slots: Vec<u64>,
    len: usize,
}

impl Shard {
    /// The slot where `h` is, or the empty slot where it would go.
    #[inline]
    fn find(&self, h: u64) -> usize {
        let n = self.slots.len();
        // The low 56 bits pick the slot (the top 8 picked the shard).
        let mut i = ((u128::from(h << 8) * n as u128) >> 64) as usize;
        loop {
            match self.slots.get(i) {
                Some(&s) if s != 0 && s != h => i = if i + 1 == n { 0 } else { i + 1 },
                _ => return i,
            }
        }
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![0; (old.len() + old.len() / 2).max(16)];
        for h in old.into_iter().filter(|&h| h != 0) {
            let i = self.find(h);
            self.slots[i] = h;
        }
    }
}

/// The MurmurHash3 finaliser: a bijection of `u64`.
#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The value of a canonical decimal id (`0`, or no leading zero, up to 18 digits).
#[inline]
fn numeric(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 18 || (id.len() > 1 && id[0] == b'0') {
        return None;
    }
    let mut v = 0u64;
    for &c in id {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// An offer id as [`OfferIds`] keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    /// A numeric id, kept as a bit.
    Dense(u64),
    /// Any other id (or a numeric one once they turned sparse), kept as a 64-bit key.
    Hashed(u64),
}

/// The offer ids seen so far.
#[derive(Debug, Default)]
pub(crate) struct OfferIds {
    /// Block number → index in `blocks`.
    index: std::collections::HashMap<u64, u32>,
    /// 512 bits a block.
    blocks: Vec<[u64; 8]>,
    /// The block last used: (block number, index).
    last: Option<(u64, usize)>,
    /// Numeric ids in `blocks`.
    dense: u64,
    /// Numeric ids went to `hashed`.
    sparse: bool,
    hashed: IdSet,
}

impl OfferIds {
    /// The block of numeric id `v`, if it has one (`create`: make it).
    #[inline]
    fn block(&mut self, v: u64, create: bool) -> Option<usize> {
        let key = v >> 9;
        if let Some((k, i)) = self.last
            && k == key
        {
            return Some(i);
        }
        let i = match self.index.get(&key) {
            Some(&i) => i as usize,
            None if create => {
                self.blocks.push([0; 8]);
                let i = self.blocks.len() - 1;
                self.index.insert(key, i as u32);
                i
            }
            None => return None,
        };
        self.last = Some((key, i));
        Some(i)
    }

    /// The key of `id` (parsed once for the look-up and the insertion).
    #[inline]
    pub(crate) fn key(&self, id: &str) -> Key {
        match numeric(id.as_bytes()) {
            Some(v) if !self.sparse => Key::Dense(v),
            Some(v) => Key::Hashed(fmix(v)),
            None => Key::Hashed(id_hash(id.as_bytes())),
        }
    }

    /// Whether the id of `key` was inserted.
    #[inline]
    pub(crate) fn contains(&mut self, key: &Key) -> bool {
        match *key {
            Key::Dense(v) if !self.sparse => self.block(v, false).is_some_and(|i| {
                let bit = (v & 511) as usize;
                self.blocks[i][bit / 64] & (1 << (bit % 64)) != 0
            }),
            Key::Dense(v) => self.hashed.contains(fmix(v)),
            Key::Hashed(h) => self.hashed.contains(h),
        }
    }

    /// Inserts the id of `key`.
    #[inline]
    pub(crate) fn insert(&mut self, key: Key) {
        match key {
            Key::Dense(v) if !self.sparse => {
                let Some(i) = self.block(v, true) else { return };
                let bit = (v & 511) as usize;
                let word = &mut self.blocks[i][bit / 64];
                if *word & (1 << (bit % 64)) == 0 {
                    *word |= 1 << (bit % 64);
                    self.dense += 1;
                }
                if self.blocks.len() > 4096 && (self.blocks.len() as u64) * 4 > self.dense {
                    self.go_sparse();
                }
            }
            Key::Dense(v) => {
                self.hashed.insert(fmix(v));
            }
            Key::Hashed(h) => {
                self.hashed.insert(h);
            }
        }
    }

    /// Moves the numeric ids to the hash set.
    fn go_sparse(&mut self) {
        self.sparse = true;
        for (&key, &i) in &self.index {
            for (w, &word) in self.blocks[i as usize].iter().enumerate() {
                for b in 0..64 {
                    if word & (1 << b) != 0 {
                        self.hashed.insert(fmix((key << 9) | (w as u64 * 64 + b)));
                    }
                }
            }
        }
        self.index = std::collections::HashMap::new();
        self.blocks = Vec::new();
        self.last = None;
    }
}

/// Hashes seen so far.
#[derive(Debug)]
pub(crate) struct IdSet {
    shards: Vec<Shard>,
}

impl Default for IdSet {
    fn default() -> Self {
        Self {
            shards: (0..256).map(|_| Shard::default()).collect(),
        }
    }
}

impl IdSet {
    /// Whether `h` was inserted.
    #[inline]
    pub(crate) fn contains(&self, h: u64) -> bool {
        let h = h.max(1);
        let shard = &self.shards[(h >> 56) as usize];
        !shard.slots.is_empty() && shard.slots[shard.find(h)] == h
    }

    /// Inserts `h`; `false` when it was there already.
    #[inline]
    pub(crate) fn insert(&mut self, h: u64) -> bool {
        // 0 marks an empty slot: hash 0 shares a slot with 1 (odds 2^-64).
        let h = h.max(1);
        let shard = &mut self.shards[(h >> 56) as usize];
        if (shard.len + 1) * 5 > shard.slots.len() * 4 {
            shard.grow();
        }
        let i = shard.find(h);
        if shard.slots[i] == h {
            return false;
        }
        shard.slots[i] = h;
        shard.len += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_finds_and_grows() {
        let mut set = IdSet::default();
        for i in 0..100_000u32 {
            assert!(set.insert(id_hash(i.to_string().as_bytes())), "{i}");
        }
        for i in 0..100_000u32 {
            let h = id_hash(i.to_string().as_bytes());
            assert!(set.contains(h) && !set.insert(h), "{i}");
        }
        assert!(!set.contains(id_hash(b"100000")));
        assert!(set.insert(0) && set.contains(0) && !set.insert(0));
        let slots: usize = set.shards.iter().map(|s| s.slots.len()).sum();
        assert!(slots < 100_000 * 2, "{slots} slots");
    }

    #[test]
    fn numeric_ids_are_exact_dense_or_sparse() {
        let mut ids = OfferIds::default();
        for i in (0..200_000u64).map(|i| 1_000_000 + i) {
            let s = i.to_string();
            assert!(!ids.contains(&ids.key(&s)));
            ids.insert(ids.key(&s));
            assert!(ids.contains(&ids.key(&s)));
        }
        assert!(!ids.sparse && ids.blocks.len() < 400);
        // `007` and `7` are different ids; `7` was never inserted.
        ids.insert(ids.key("007"));
        assert!(ids.contains(&ids.key("007")) && !ids.contains(&ids.key("7")));
        // Sparse ids move to the hash set, without losing one.
        let mut sparse = OfferIds::default();
        let spread = |i: u64| i * 1_000_003 + 17;
        for i in 0..20_000 {
            sparse.insert(sparse.key(&spread(i).to_string()));
        }
        assert!(sparse.sparse);
        let has = |set: &mut OfferIds, id: &str| {
            let k = set.key(id);
            set.contains(&k)
        };
        for i in 0..20_000 {
            assert!(has(&mut sparse, &spread(i).to_string()), "{i}");
        }
        assert!(!has(&mut sparse, &spread(20_000).to_string()));
        assert!(!has(&mut sparse, "18"));
    }

    #[test]
    fn short_ids_of_one_length_never_collide() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..1_000_000u32 {
            assert!(seen.insert(id_hash(format!("{i:07}").as_bytes())), "{i}");
        }
        assert_ne!(id_hash(b"1"), id_hash(b"1\0"));
    }
}
