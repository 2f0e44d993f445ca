def test_home_lists_the_chambers_and_offers_to_create_one(client, create_chamber):
    """The home page's own content (not just the base template, which every page has): the chambers by
    name with their public pages and regions, and the way to create one."""
    chamber = create_chamber(name="西湖区商会", region="杭州市西湖区")
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'<a href="/c/{chamber.slug}">西湖区商会</a>' in html
    assert "杭州市西湖区" in html
    assert 'data-testid="create-chamber"' in html
