-- GET of the URL's own path, only adding the RESULT line.
dofile("report.lua")
