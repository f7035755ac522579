-- Which run of the server holds a job's lease (NULL: nobody). A server
-- starting frees the leases of earlier runs at once: their process is gone
-- (only one server opens a data directory), so waiting out the lease would
-- leave the queues idle for its length.
ALTER TABLE jobs ADD COLUMN lease_run TEXT;
