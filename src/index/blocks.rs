//! A vector kept in fixed-size blocks, so whoever consumes it in order can give each block
//! back as soon as it is through: a large layer's raw entries and its merged ones are then
//! never all held at once.

use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Items per block: large enough that the allocator maps each block apart (and unmaps it when
/// it is dropped), small enough that the block being consumed is a few megabytes.
const BLOCK: usize = 1 << 16;

/// Makes room for one more item in a vector that is full: doubling while it is shorter than a
/// block, then a block at a time. The index's large vectors grow while a layer's raw entries
/// are alive, and doubling would hold up to twice their room at the peak.
pub fn grow<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.len().clamp(16, BLOCK));
    }
}

#[derive(Debug)]
pub struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Blocks<T> {
    fn default() -> Self {
        Blocks { blocks: Vec::new(), len: 0 }
    }
}

impl<T> Blocks<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, item: T) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < BLOCK => b.push(item),
            _ => {
                // The first block grows as a vector would: most layers have few entries.
                let mut b = if self.blocks.is_empty() { Vec::new() } else { Vec::with_capacity(BLOCK) };
                b.push(item);
                self.blocks.push(b);
            }
        }
        self.len += 1;
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.blocks.get_mut(i / BLOCK)?.get_mut(i % BLOCK)
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.blocks.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.blocks.iter_mut().flatten()
    }

    /// Gives back what the last block reserved past its length.
    pub fn shrink_to_fit(&mut self) {
        if let Some(b) = self.blocks.last_mut() {
            b.shrink_to_fit();
        }
        self.blocks.shrink_to_fit();
    }

    /// The blocks in order, each to be dropped once consumed.
    pub fn into_blocks(self) -> impl Iterator<Item = Vec<T>> {
        self.blocks.into_iter()
    }
}

impl<T: Serialize> Serialize for Blocks<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // With its length: formats such as postcard (the layer cache) need it up front.
        let mut seq = s.serialize_seq(Some(self.len))?;
        for item in self.iter() {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Blocks<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let all = Vec::<T>::deserialize(d)?;
        let mut out = Blocks::default();
        for item in all {
            out.push(item);
        }
        out.shrink_to_fit();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grow_doubles_below_a_block_and_steps_by_blocks_above() {
        let mut v: Vec<u8> = Vec::new();
        let mut most_spare = 0;
        for i in 0..5 * BLOCK {
            grow(&mut v);
            v.push(i as u8);
            if v.len() > BLOCK {
                most_spare = most_spare.max(v.capacity() - v.len());
            }
        }
        assert!(most_spare < BLOCK, "{most_spare} spare past a block");
        let mut small: Vec<u8> = Vec::new();
        for _ in 0..100 {
            grow(&mut small);
            small.push(0);
        }
        assert!(small.capacity() <= 256, "doubled, not stepped: {}", small.capacity());
    }

    #[test]
    fn keeps_order_and_indexes_across_blocks() {
        let mut b = Blocks::default();
        let n = 2 * BLOCK + 5;
        for i in 0..n {
            b.push(i);
        }
        assert_eq!(b.len(), n);
        *b.get_mut(BLOCK + 1).unwrap() = 0;
        assert!(b.get_mut(n).is_none());
        let want: Vec<usize> = (0..n).map(|i| if i == BLOCK + 1 { 0 } else { i }).collect();
        assert_eq!(b.iter().copied().collect::<Vec<_>>(), want);
        let blocks: Vec<Vec<usize>> = b.into_blocks().collect();
        assert_eq!(blocks.iter().map(Vec::len).collect::<Vec<_>>(), [BLOCK, BLOCK, 5]);
        assert_eq!(blocks.concat(), want);
    }

    #[test]
    fn round_trips_through_serde_as_a_sequence() {
        let mut b = Blocks::default();
        (0..BLOCK as u32 + 3).for_each(|i| b.push(i));
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.starts_with("[0,1,2,"));
        let back: Blocks<u32> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        let bytes = postcard::to_stdvec(&b).unwrap();
        let back: Blocks<u32> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.len(), b.len());
    }
}
