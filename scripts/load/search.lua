-- A mix of what people do on the search page and the API: words with facets, a phrase,
-- a prefix, facets alone, a record page. Each connection walks the list in turn.
local paths = {
  "/recommendations?q=torture&position=supported&group=WEOG",
  "/recommendations?q=%22freedom+of+expression%22&group=GRULAC",
  "/api/v1/search?q=disabilit*&cycle=2",
  "/recommendations?state=SVN&cycle=1",
  "/api/v1/search?q=child+marriage&position=noted",
  "/recommendations/1000",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
