def test_home_renders(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Chamber" in resp.text or "商会" in resp.text
