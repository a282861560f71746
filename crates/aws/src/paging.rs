//! Token pagination, written once. The Pinpoint crate has no paginators
//! (reference 1.4); each list call gives a page of items and a `NextToken`.

use std::future::Future;

/// Collects every page. `page(token)` fetches one page (the first with
/// `None`) and returns its items and the next token; an absent or empty
/// token ends the walk.
pub async fn all_pages<T, E, F, Fut>(mut page: F) -> Result<Vec<T>, E>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), E>>,
{
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token.take()).await?;
        out.extend(items);
        match next {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn walks_until_the_token_runs_out() {
        let pages = [
            (vec![1, 2], Some("a")),
            (vec![3], Some("")),
            (vec![9], None),
        ];
        let mut seen = Vec::new();
        let items: Result<Vec<i32>, ()> = all_pages(|token| {
            seen.push(token.clone());
            let i = seen.len() - 1;
            let (items, next) = pages[i].clone();
            async move { Ok((items, next.map(str::to_owned))) }
        })
        .await;
        assert_eq!(items.unwrap(), vec![1, 2, 3]);
        assert_eq!(seen, vec![None, Some("a".to_owned())]);
    }
}
