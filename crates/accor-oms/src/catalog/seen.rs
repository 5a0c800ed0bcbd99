//! The set of offer ids an import has seen, for the duplicate check: 64-bit hashes in 256
//! open-addressing shards. Each shard grows by half when it is 80 % full, so memory is about
//! 8 bytes / 0.65 per id (about 12 MiB per million ids) and a growth never holds more than one
//! shard twice (no doubling spike of the whole table).

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

/// Offer-id hashes seen so far.
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
    fn short_ids_of_one_length_never_collide() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..1_000_000u32 {
            assert!(seen.insert(id_hash(format!("{i:07}").as_bytes())), "{i}");
        }
        assert_ne!(id_hash(b"1"), id_hash(b"1\0"));
    }
}
