"""The map wing: a debate's argument map, from the database to the bytes a reader gets.

The modules, in the order the data flows:
- data.py: what one user may see of a debate, as a MapData (the only map code that reads
  the database);
- dot.py: MapData -> DOT text, pure and deterministic, with the one escaping function;
- outline.py: MapData -> the numbered outline, the text-only twin of the drawing (pure);
- numbering.py: the outline numbers by which other pages (pickers, the moderation queue,
  tasks, My contributions, a student's items, the grade history, messages) name boxes and
  links, from data.load_judged();
- runner.py: DOT text -> checked svg/png/pdf bytes, within one time budget per request
  (the only code that starts a process);
- handout.py: MapData -> the PDF handout (map.pdf): a cover, the map in page-sized sections
  drawn at 1:1, the outline as text, composed with WeasyPrint;
- cache.py: drawings kept by digest, and the map revision that says when they are stale
  (map_changed(), the wing's one write, called in the transaction of every change); failed
  renders remembered, one render per drawing at a time, uncached renders counted per reader;
- views.py: the debate page and the exports; middleware.py: the front door for cached
  exports of public debates.

Not a Django app: it has no models of its own.
"""
