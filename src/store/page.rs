//! The keyset-pagination result every list store function returns.

/// One page of rows plus the keyset position to continue after, when there is more.
#[derive(Debug, Clone)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

impl<T, K> Page<T, K> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only proves there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, key_of: impl Fn(&T) -> K) -> Self {
        let limit = limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(key_of)
        } else {
            None
        };
        Self { items: rows, next }
    }

    /// Converts the rows, keeping the position.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_row_means_more_and_is_dropped() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |x| *x);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(2));
    }

    #[test]
    fn short_page_has_no_next() {
        let page = Page::from_rows(vec![1, 2], 2, |x| *x);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, None);
    }
}
