-- What a finding cites besides whole documents (cpaudit/finding_cite.go),
-- each a JSON array copied in when the finding is recorded, so a finding
-- keeps saying what it cited after its documents are analysed again:
-- passages [{document_id,start,end,text}], figures
-- [{id,document_id,name,value,unit,raw}], images
-- [{id,document_id,entry,width,height}].
ALTER TABLE findings ADD COLUMN passages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE findings ADD COLUMN figures TEXT NOT NULL DEFAULT '[]';
ALTER TABLE findings ADD COLUMN images TEXT NOT NULL DEFAULT '[]';
