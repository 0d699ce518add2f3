"""The take library on disk: the database, its SQL, media files, init images, timelines."""
