//! One helper that turns "fetch a page with a cursor" into a `Stream` of items, and the
//! [`PageGuard`] every paged read uses so a broken or hostile server cannot make it loop.
//!
//! ```
//! use connector_core::pagination::{paginate, Page};
//! use futures::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), connector_core::Error> {
//! // A fake API with three pages: tokens None -> "2" -> "3" -> end.
//! let items: Vec<u32> = paginate(None, |token: Option<String>| async move {
//!     Ok(match token.as_deref() {
//!         None => Page::new(vec![1, 2], Some("2".to_string())),
//!         Some("2") => Page::new(vec![3], Some("3".to_string())),
//!         _ => Page::new(vec![4], None),
//!     })
//! })
//! .try_collect()
//! .await?;
//! assert_eq!(items, vec![1, 2, 3, 4]);
//! # Ok(()) }
//! ```
//!
//! Pages are fetched lazily, one at a time, when the consumer asks for more items. An error is
//! yielded as an item and ends the stream. A cursor seen before (a platform bug or a hostile
//! server that would loop for ever, `A → B → A`) and a stream longer than the page cap
//! ([`DEFAULT_MAX_PAGES`] unless set) end the stream with [`Error::Decode`] naming the
//! operation and the cycle: see [`PageGuard`], which loops that do not go through
//! [`paginate`] (event feeds polled until empty, page-number loops) use directly.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};

use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::error::Error;

/// Pages a [`PageGuard`] allows by default before it ends the stream (100,000: 5 million
/// Amazon inventory summaries at 50 a page, far more than any account we know of; raise it
/// with [`PageGuard::with_max_pages`] for a bigger one).
pub const DEFAULT_MAX_PAGES: usize = 100_000;

/// Cursors a [`PageGuard`] remembers (as 64-bit hashes, about 160 KiB at most). A cycle
/// longer than this is still ended by the page cap.
pub const MAX_REMEMBERED_CURSORS: usize = 10_000;

/// Longest rendering of a cursor in an error message (long tokens are cut).
const MAX_CURSOR_TEXT: usize = 80;

/// Stops a paged read that would never end: a cursor the server already gave (`A → B → A`,
/// `nextId` 5 ↔ 6), more pages than a cap, a total page count beyond the cap, or a page that
/// repeats the page before (a server that ignores the page parameter).
///
/// Call [`PageGuard::next_page`] with the cursor of every page *before* fetching it (the
/// first page included); [`paginate`] does it for you.
///
/// ```
/// use connector_core::pagination::PageGuard;
///
/// let mut guard = PageGuard::new("one.events").with_max_pages(100);
/// guard.next_page(&5i64)?;
/// guard.next_page(&6i64)?;
/// let err = guard.next_page(&5i64).unwrap_err();
/// assert!(err.to_string().contains("one.events"), "{err}");
/// assert!(err.to_string().contains("page 3 would repeat page 1"), "{err}");
/// # Ok::<(), connector_core::Error>(())
/// ```
///
/// Cursors are remembered as 64-bit hashes (at most [`MAX_REMEMBERED_CURSORS`], the oldest
/// forgotten first), so memory stays bounded whatever the server sends.
#[derive(Clone)]
pub struct PageGuard {
    operation: String,
    max_pages: usize,
    pages: usize,
    /// Cursor hash → the page (1-based) it fetched.
    seen: HashMap<u64, usize>,
    order: VecDeque<u64>,
    last_content: Option<u64>,
}

impl fmt::Debug for PageGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageGuard")
            .field("operation", &self.operation)
            .field("max_pages", &self.max_pages)
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

fn hash_of<H: Hash + ?Sized>(value: &H) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn cursor_text<C: fmt::Debug + ?Sized>(cursor: &C) -> String {
    let text = format!("{cursor:?}");
    if text.chars().count() <= MAX_CURSOR_TEXT {
        return text;
    }
    let cut: String = text.chars().take(MAX_CURSOR_TEXT).collect();
    format!("{cut}…")
}

impl PageGuard {
    /// A guard for the paged read `operation` (named in its errors), capped at
    /// [`DEFAULT_MAX_PAGES`].
    pub fn new(operation: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            max_pages: DEFAULT_MAX_PAGES,
            pages: 0,
            seen: HashMap::new(),
            order: VecDeque::new(),
            last_content: None,
        }
    }

    /// Caps the pages read (at least 1).
    pub fn with_max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The operation named in errors.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The page cap.
    pub fn max_pages(&self) -> usize {
        self.max_pages
    }

    /// Pages let through so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    fn error(&self, message: String) -> Error {
        Error::Decode {
            path: "next".into(),
            message: format!(
                "{}: {message}; stopping so as not to loop for ever",
                self.operation
            ),
            excerpt: String::new(),
        }
    }

    /// Lets the next page be fetched with `cursor`, or refuses it: the cursor already fetched
    /// a page of this read (the server's cursors cycle), or the page cap is reached.
    pub fn next_page<C: Hash + fmt::Debug + ?Sized>(&mut self, cursor: &C) -> Result<(), Error> {
        let page = self.pages + 1;
        if page > self.max_pages {
            return Err(self.error(format!(
                "more than {} pages (the page cap; raise it if the data set is really this                  big), the server may be paging for ever",
                self.max_pages
            )));
        }
        let h = hash_of(cursor);
        if let Some(first) = self.seen.get(&h) {
            return Err(self.error(format!(
                "page {page} would repeat page {first}: the server gave the cursor {} again                  (a cycle of {} page{})",
                cursor_text(cursor),
                page - first,
                if page - first == 1 { "" } else { "s" }
            )));
        }
        if self.order.len() >= MAX_REMEMBERED_CURSORS
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(h, page);
        self.order.push_back(h);
        self.pages = page;
        Ok(())
    }

    /// Refuses a read whose server announces more pages than the cap (a `totalPages` of
    /// billions), before reading them.
    pub fn check_reported_pages(&self, total_pages: u64) -> Result<(), Error> {
        if total_pages > self.max_pages as u64 {
            return Err(self.error(format!(
                "the server reports {total_pages} pages, more than the cap of {} (raise it if                  the data set is really this big)",
                self.max_pages
            )));
        }
        Ok(())
    }

    /// Refuses a page whose content is the same as the page before (`fingerprint` stands for
    /// the content, e.g. the first and last record ids): a server that ignores the page
    /// parameter answers every page with the first one. Pass an empty page's fingerprint too:
    /// two empty pages in a row are not refused.
    pub fn check_content<F: Hash + ?Sized>(
        &mut self,
        fingerprint: &F,
        empty: bool,
    ) -> Result<(), Error> {
        let h = hash_of(fingerprint);
        let repeated = !empty && self.last_content == Some(h);
        self.last_content = if empty { None } else { Some(h) };
        if repeated {
            return Err(self.error(format!(
                "page {} has the same content as page {}: the server seems to ignore the page                  parameter",
                self.pages,
                self.pages.saturating_sub(1)
            )));
        }
        Ok(())
    }
}

/// One page of results and the cursor of the next page (`None` on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor for the next page; `None` ends the stream.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page.
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Self { items, next }
    }
}

enum State<C> {
    Fetch(Option<C>),
    Done,
}

/// Streams every item of every page, starting from `first` (usually `None`), guarded by a
/// default [`PageGuard`] (errors name the operation `paginated read`; platform crates use
/// [`paginate_with`] to name theirs).
pub fn paginate<'a, T, C, F, Fut>(first: Option<C>, fetch: F) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    C: Clone + Hash + fmt::Debug + Send + 'a,
    F: FnMut(Option<C>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, C>, Error>> + Send + 'a,
{
    paginate_with(PageGuard::new("paginated read"), first, fetch)
}

/// Streams every item of every page, starting from `first`, with `guard` refusing cursors
/// seen before and pages beyond its cap. The items of the last page are yielded before the
/// guard's error.
pub fn paginate_with<'a, T, C, F, Fut>(
    guard: PageGuard,
    first: Option<C>,
    mut fetch: F,
) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    C: Clone + Hash + fmt::Debug + Send + 'a,
    F: FnMut(Option<C>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, C>, Error>> + Send + 'a,
{
    let mut guard = guard;
    let pages = stream::unfold(State::Fetch(first), move |state| {
        let cursor = match state {
            State::Fetch(c) => c,
            State::Done => return futures::future::Either::Left(futures::future::ready(None)),
        };
        if let Err(e) = guard.next_page(&cursor) {
            return futures::future::Either::Left(futures::future::ready(Some((
                vec![Err(e)],
                State::Done,
            ))));
        }
        let fut = fetch(cursor);
        futures::future::Either::Right(async move {
            match fut.await {
                Ok(page) => {
                    let next = match page.next {
                        Some(n) => State::Fetch(Some(n)),
                        None => State::Done,
                    };
                    Some((page.items.into_iter().map(Ok).collect(), next))
                }
                Err(e) => Some((vec![Err(e)], State::Done)),
            }
        })
    });
    flatten(pages).boxed()
}

fn flatten<T, S>(pages: S) -> impl Stream<Item = Result<T, Error>>
where
    S: Stream<Item = Vec<Result<T, Error>>>,
{
    pages.flat_map(stream::iter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn error_ends_the_stream_after_yielding_it() {
        let s = paginate(None, |c: Option<u32>| async move {
            match c {
                None => Ok(Page::new(vec![1], Some(1))),
                Some(_) => Err(Error::transient("boom")),
            }
        });
        let out: Vec<_> = s.collect().await;
        assert_eq!(out.len(), 2);
        assert!(out[1].is_err());
    }

    #[tokio::test]
    async fn repeated_cursor_is_an_error_not_a_loop() {
        let s = paginate(None, |_c: Option<u32>| async move {
            Ok(Page::new(vec![7], Some(5)))
        });
        let out: Vec<_> = s.take(10).collect().await;
        assert_eq!(out.len(), 3); // 7, 7, error
        assert!(matches!(out[2], Err(Error::Decode { .. })));
    }

    #[tokio::test]
    async fn cycling_cursors_a_b_a_end_the_stream_naming_operation_and_cycle() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c2 = calls.clone();
        let s = paginate_with(
            PageGuard::new("amazon.getInventorySummaries"),
            None,
            move |c: Option<String>| {
                c2.fetch_add(1, Ordering::SeqCst);
                async move {
                    let next = match c.as_deref() {
                        None | Some("B") => "A",
                        _ => "B",
                    };
                    Ok(Page::new(vec![c.clone()], Some(next.to_string())))
                }
            },
        );
        let out: Vec<_> = s.take(100).collect().await;
        // Pages None, A, B; the next cursor A was seen: error, no fourth fetch.
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(out.len(), 4);
        let err = out[3].as_ref().unwrap_err().to_string();
        assert!(err.contains("amazon.getInventorySummaries"), "{err}");
        assert!(err.contains("page 4 would repeat page 2"), "{err}");
        assert!(err.contains(r#"Some("A")"#), "{err}");
        assert!(err.contains("a cycle of 2 pages"), "{err}");
    }

    #[tokio::test]
    async fn endless_fresh_cursors_stop_at_the_page_cap() {
        let s = paginate_with(
            PageGuard::new("totvs_omni.list_orders").with_max_pages(50),
            Some(1u64),
            |c: Option<u64>| async move {
                let n = c.unwrap_or(1);
                Ok(Page::new(vec![n], Some(n + 1)))
            },
        );
        let out: Vec<_> = s.collect().await;
        assert_eq!(out.len(), 51);
        let err = out[50].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("totvs_omni.list_orders") && err.contains("more than 50 pages"),
            "{err}"
        );
    }

    #[test]
    fn guard_refuses_huge_totals_and_repeated_content_and_stays_bounded() {
        let guard = PageGuard::new("op").with_max_pages(10);
        assert!(guard.check_reported_pages(10).is_ok());
        let err = guard.check_reported_pages(4_000_000_000).unwrap_err();
        assert!(
            err.to_string().contains("reports 4000000000 pages"),
            "{err}"
        );

        let mut guard = PageGuard::new("op");
        guard.next_page(&1u32).unwrap();
        guard.check_content(&("o1", "o50"), false).unwrap();
        guard.next_page(&2u32).unwrap();
        let err = guard.check_content(&("o1", "o50"), false).unwrap_err();
        assert!(err.to_string().contains("ignore the page"), "{err}");
        // Two empty pages in a row are fine.
        guard.check_content(&(), true).unwrap();
        guard.check_content(&(), true).unwrap();

        // Memory is bounded: the oldest cursors are forgotten, the cap still ends it.
        let mut guard = PageGuard::new("op").with_max_pages(usize::MAX);
        for i in 0..(MAX_REMEMBERED_CURSORS + 10) {
            guard.next_page(&i).unwrap();
        }
        assert_eq!(guard.seen.len(), MAX_REMEMBERED_CURSORS);
        assert!(guard.next_page(&0usize).is_ok(), "forgotten");
        assert!(guard.next_page(&(MAX_REMEMBERED_CURSORS + 5)).is_err());
        // Long cursors are cut in messages.
        let mut guard = PageGuard::new("op");
        let long = "x".repeat(1000);
        guard.next_page(long.as_str()).unwrap();
        let err = guard.next_page(long.as_str()).unwrap_err().to_string();
        assert!(err.len() < 400, "{err}");
    }

    #[tokio::test]
    async fn pages_are_fetched_lazily() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c2 = calls.clone();
        let mut s = paginate(None, move |c: Option<u32>| {
            c2.fetch_add(1, Ordering::SeqCst);
            async move { Ok(Page::new(vec![c.unwrap_or(0)], Some(c.unwrap_or(0) + 1))) }
        });
        assert_eq!(s.next().await.unwrap().unwrap(), 0);
        assert_eq!(s.next().await.unwrap().unwrap(), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
