# Remove the records of versions whose graphs were deleted, in one request.
PREFIX dcterms: <http://purl.org/dc/terms/>
DELETE { GRAPH <$graph> { <$graph> dcterms:hasVersion ?version . ?version ?p ?o } }
WHERE {
  VALUES ?version { $versions }
  GRAPH <$graph> { <$graph> dcterms:hasVersion ?version . ?version ?p ?o }
}
