//! Matroska (Simple)Block parsing: the block header and its frames, with Xiph, EBML and
//! fixed-size lacing undone. Bad input is an error, never a panic.

/// A (Simple)Block's header and its frames, lacing undone.
pub(super) struct ParsedBlock {
    pub(super) track: u64,
    pub(super) timestamp: i16,
    pub(super) flags: u8,
    pub(super) frames: Vec<Vec<u8>>,
}

/// Reads an EBML variable-size integer at the start of `data`: (value with the length
/// marker removed, length in bytes).
fn read_vint(data: &[u8]) -> Option<(u64, usize)> {
    let first = *data.first()?;
    if first == 0 {
        return None;
    }
    let len = first.leading_zeros() as usize + 1;
    let bytes = data.get(..len)?;
    let mut value = u64::from(first) & ((1u64 << (8 - len)) - 1);
    for b in &bytes[1..] {
        value = (value << 8) | u64::from(*b);
    }
    Some((value, len))
}

/// Parses a Block / SimpleBlock body (Matroska §10.2, §10.3) with every length checked.
/// (webm-iterable's own block parser indexes without bounds checks: fuzzing made it panic.)
pub(super) fn parse_block(data: &[u8]) -> std::result::Result<ParsedBlock, String> {
    let (track, n) = read_vint(data).ok_or("block track number is not a valid vint")?;
    let head = data
        .get(n..n + 3)
        .ok_or("block is shorter than its header")?;
    let timestamp = i16::from_be_bytes([head[0], head[1]]);
    let flags = head[2];
    let body = &data[n + 3..];
    let frames = match flags & 0x06 {
        0x00 => vec![body.to_vec()],
        lacing => {
            let (&count_minus_one, rest) = body
                .split_first()
                .ok_or("laced block without a frame count")?;
            let count = usize::from(count_minus_one) + 1;
            let mut sizes: Vec<usize> = Vec::with_capacity(count - 1);
            let mut pos = 0usize;
            match lacing {
                // Xiph lacing: each size is a run of 255s plus a final byte.
                0x02 => {
                    for _ in 0..count - 1 {
                        let mut size = 0usize;
                        loop {
                            let b = *rest.get(pos).ok_or("Xiph lacing runs past the block")?;
                            pos += 1;
                            size += usize::from(b);
                            if b != 0xff {
                                break;
                            }
                        }
                        sizes.push(size);
                    }
                }
                // EBML lacing: a first size, then signed differences.
                0x06 => {
                    let (first, len) =
                        read_vint(rest).ok_or("EBML lacing: bad first frame size")?;
                    pos += len;
                    let mut size = i64::try_from(first).map_err(|_| "EBML lacing: frame size")?;
                    sizes.push(usize::try_from(size).map_err(|_| "EBML lacing: frame size")?);
                    for _ in 1..count - 1 {
                        let (raw, len) = read_vint(&rest[pos.min(rest.len())..])
                            .ok_or("EBML lacing: bad frame size difference")?;
                        pos += len;
                        let bias = (1i64 << (7 * len - 1)) - 1;
                        let diff =
                            i64::try_from(raw).map_err(|_| "EBML lacing: difference")? - bias;
                        size = size
                            .checked_add(diff)
                            .ok_or("EBML lacing: frame size overflow")?;
                        sizes.push(
                            usize::try_from(size)
                                .map_err(|_| "EBML lacing: negative frame size")?,
                        );
                    }
                }
                // Fixed-size lacing: equal frames.
                _ => {
                    if rest.len() % count != 0 {
                        return Err("fixed lacing does not divide the block".into());
                    }
                    sizes = vec![rest.len() / count; count - 1];
                }
            }
            let mut frames = Vec::with_capacity(count);
            for size in sizes {
                let end = pos.checked_add(size).ok_or("laced frame size overflow")?;
                frames.push(
                    rest.get(pos..end)
                        .ok_or("laced frames run past the block")?
                        .to_vec(),
                );
                pos = end;
            }
            frames.push(
                rest.get(pos..)
                    .ok_or("laced frames run past the block")?
                    .to_vec(),
            );
            frames
        }
    };
    Ok(ParsedBlock {
        track,
        timestamp,
        flags,
        frames,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::parse_block;

    #[test]
    fn blocks_and_lacing() {
        // Track 1, timestamp 5, keyframe, no lacing.
        let b = parse_block(&[0x81, 0x00, 0x05, 0x80, 1, 2, 3]).unwrap();
        assert_eq!((b.track, b.timestamp, b.flags), (1, 5, 0x80));
        assert_eq!(b.frames, [vec![1, 2, 3]]);
        // Xiph lacing: 3 frames of 2, 256 and 1 bytes.
        let mut d = vec![0x82, 0xff, 0xfe, 0x02, 2, 2, 0xff, 1];
        d.extend(std::iter::repeat_n(7u8, 2 + 256 + 1));
        let b = parse_block(&d).unwrap();
        assert_eq!((b.track, b.timestamp), (2, -2));
        let sizes: Vec<usize> = b.frames.iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 256, 1]);
        // EBML lacing: sizes 4, 6 (+2), then the rest (3).
        let mut d = vec![0x81, 0, 0, 0x06, 2, 0x84, 0xc1];
        d.extend([0u8; 13]);
        let sizes: Vec<usize> = parse_block(&d)
            .unwrap()
            .frames
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [4, 6, 3]);
        // Fixed lacing: 2 frames of 3.
        let b = parse_block(&[0x81, 0, 0, 0x04, 1, 1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(b.frames, [vec![1, 2, 3], vec![4, 5, 6]]);
    }

    #[test]
    fn malformed_blocks_are_errors() {
        for bad in [
            &[][..],
            &[0x00],                               // no vint
            &[0x81, 0x00],                         // header cut
            &[0x81, 0, 0, 0x02],                   // laced, no count
            &[0x81, 0, 0, 0x02, 1, 0xff],          // Xiph size runs out
            &[0x81, 0, 0, 0x02, 1, 9, 1],          // Xiph frame past the end
            &[0x81, 0, 0, 0x04, 1, 1, 2, 3],       // fixed lacing does not divide
            &[0x81, 0, 0, 0x06, 2, 0x81, 0x00],    // EBML difference is not a vint
            &[0x81, 0, 0, 0x06, 2, 0x81, 0x80, 1], // EBML size goes negative
        ] {
            assert!(parse_block(bad).is_err(), "{bad:?} parsed");
        }
    }
}
