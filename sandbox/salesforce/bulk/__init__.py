"""Bulk API 2.0: ingest jobs (CSV upload, UploadComplete, results as CSV) and query jobs
(results as CSV pages with ``Sforce-Locator``), processed asynchronously by a worker thread.
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm
"""
