//! One helper that turns "fetch a page with a cursor" into a `Stream` of items.
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
//! yielded as an item and ends the stream. A cursor that repeats (a platform bug that would loop
//! for ever) ends the stream with [`Error::Decode`].

use std::future::Future;

use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::error::Error;

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

/// Streams every item of every page, starting from `first` (usually `None`).
pub fn paginate<'a, T, C, F, Fut>(first: Option<C>, mut fetch: F) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    C: Clone + PartialEq + Send + 'a,
    F: FnMut(Option<C>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, C>, Error>> + Send + 'a,
{
    let pages = stream::unfold(State::Fetch(first), move |state| {
        let cursor = match state {
            State::Fetch(c) => c,
            State::Done => return futures::future::Either::Left(futures::future::ready(None)),
        };
        let fut = fetch(cursor.clone());
        futures::future::Either::Right(async move {
            match fut.await {
                Ok(page) => {
                    let next = match page.next {
                        Some(n) if cursor.as_ref() == Some(&n) => {
                            let err = Error::Decode {
                                path: "next".into(),
                                message: "the platform returned the same page cursor twice".into(),
                                excerpt: String::new(),
                            };
                            let items: Vec<Result<T, Error>> = page
                                .items
                                .into_iter()
                                .map(Ok)
                                .chain(std::iter::once(Err(err)))
                                .collect();
                            return Some((items, State::Done));
                        }
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
