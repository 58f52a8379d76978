"""Full-text, vector and hybrid queries, filters, select/top/skip/count/orderby and highlights via the SDK."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from .conftest import search_client
from .test_search_indexes import BOOKS, make_index


@pytest.fixture
def books(index_client, index_name, server):
    index_client.create_index(make_index(index_name))
    client = search_client(server, index_name)
    client.upload_documents(BOOKS)
    return client


def ids(results):
    return [r["id"] for r in results]


def test_full_text_ranks_by_bm25_and_highlights(books):
    results = list(books.search("bridges", highlight_fields="content,title"))
    assert set(ids(results)) == {"1", "3"}
    assert results[0]["@search.score"] >= results[1]["@search.score"] > 0
    top = results[0]
    assert top["id"] == "1"  # "bridges" in its title and its content
    assert "<em>" in top["@search.highlights"]["content"][0]
    assert ids(books.search("sourdough")) == ["2"]
    assert ids(books.search("bread -sourdough", search_mode="all")) == []
    assert ids(books.search("starter -sourdough", search_mode="all")) == []
    assert ids(books.search("rivers -truss", search_mode="all")) == ["3"]
    # searchMode any: "-" is OR NOT (Azure's documented semantics): sourdough, or anything without "bridges"
    assert sorted(ids(books.search("sourdough -bridges"))) == ["2"]
    assert sorted(ids(books.search("steel -sourdough"))) == ["1", "3"]
    assert sorted(ids(books.search("-bread"))) == ["1", "3"]
    assert sorted(ids(books.search("-floods", search_fields=["content"]))) == ["1", "2"]
    assert ids(books.search("+floods bridges")) == ["3"]
    assert ids(books.search('"truss bridges"')) == ["1"]
    assert ids(books.search("sour*")) == ["2"]


def test_filters(books):
    def f(expr):
        return sorted(ids(books.search("*", filter=expr)))

    assert f("year gt 2000") == ["2", "3"]
    assert f("year ge 1990 and year lt 2010") == ["1", "2"]
    assert f("rating le 4.5 or title eq 'Rivers and Floods'") == ["1", "2", "3"]
    assert f("not (available eq true)") == ["2"]
    assert f("available") == ["1", "3"]
    assert f("tags/any(t: t eq 'history')") == ["1", "3"]
    assert f("tags/any(t: search.in(t, 'cooking|geography', '|'))") == ["2", "3"]
    assert f("tags/all(t: t ne 'cooking')") == ["1", "3"]
    assert f("search.in(id, '1, 2')") == ["1", "2"]
    assert f("title ne 'Baking Bread'") == ["1", "3"]
    assert f("year eq null") == []
    assert sorted(ids(books.search("bridges", filter="year gt 2000"))) == ["3"]
    with pytest.raises(HttpResponseError) as err:
        list(books.search("*", filter="content eq 'x'"))
    assert err.value.status_code == 400 and "filterable" in str(err.value)
    with pytest.raises(HttpResponseError) as err:
        list(books.search("*", filter="year gt"))
    assert err.value.status_code == 400


def test_select_top_skip_count_orderby(books):
    results = books.search("*", order_by=["year desc"], select=["id", "year"], include_total_count=True, top=2)
    page = list(results)
    assert [(r["id"], r["year"]) for r in page] == [("3", 2015), ("2", 2005)]
    assert {k for k in page[0] if not k.startswith("@search.")} == {"id", "year"}
    assert results.get_count() == 3
    assert ids(books.search("*", order_by=["rating asc"], skip=1, top=1)) == ["1"]  # 3.9, 4.5, 4.8
    assert ids(books.search("*", order_by=["title"])) == ["2", "1", "3"]


def test_vector_and_hybrid(books):
    from azure.search.documents.models import VectorizedQuery

    q = VectorizedQuery(vector=[0.9, 0.0, 0.1], k_nearest_neighbors=2, fields="vec")
    results = list(books.search(search_text=None, vector_queries=[q]))
    assert ids(results) == ["1", "3"]
    assert 0.5 < results[1]["@search.score"] < results[0]["@search.score"] <= 1.0
    filtered = list(books.search(search_text=None, vector_queries=[q], filter="year gt 2000"))
    assert ids(filtered) == ["3", "2"]
    # hybrid: "sourdough" finds 2 by text, the vector finds 1 and 3; RRF puts the text-and-vector doc... all three
    hybrid = list(books.search(search_text="floods", vector_queries=[q]))
    assert ids(hybrid)[0] == "3"  # in both lists
    assert set(ids(hybrid)) == {"1", "3"}
    assert hybrid[0]["@search.score"] == pytest.approx(1 / 61 + 1 / 62)
    with pytest.raises(HttpResponseError) as err:
        list(books.search(search_text=None, vector_queries=[VectorizedQuery(vector=[1.0], fields="vec")]))
    assert err.value.status_code == 400


def test_sdk_pages_through_more_than_fifty(index_client, index_name, server):
    index_client.create_index(make_index(index_name))
    client = search_client(server, index_name)
    client.upload_documents([{"id": f"d{i:03d}", "title": f"common title {i}", "year": i} for i in range(120)])
    assert len(list(client.search("*"))) == 120
    assert len({r["id"] for r in client.search("common")}) == 120
    assert len(list(client.search("common", top=10))) == 10
    assert [r["year"] for r in client.search("common", order_by=["year desc"], top=3)] == [119, 118, 117]


@pytest.mark.parametrize("text", ['"unterminated', "NEAR(bridges", "title:bridges", "c++ AND OR NOT", "-", "*bread",
                                  "bridges^2", "(rivers", "ünïcödé brídges", "?", "truss~1"])
def test_odd_query_text_is_answered(books, text):
    list(books.search(text))  # any answer but a server error
