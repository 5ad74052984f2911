-- One primary-key lookup statement per request (bench/warehouse/pk_wrk.sh): rowids spread over
-- the 100,000-row table; a reply that is not 200 SUCCEEDED is printed.
local n = 0
request = function()
  n = n + 1
  local id = (n * 7919) % 100000 + 1
  local body = string.format('{"statement":"SELECT id, g, v FROM big WHERE rowid = :id","warehouse_id":"weir0000default0","catalog":"b","schema":"s","wait_timeout":"10s","parameters":[{"name":"id","value":"%d","type":"BIGINT"}]}', id)
  return wrk.format("POST", "/api/2.0/sql/statements", {["Authorization"] = "Bearer " .. os.getenv("T"), ["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, "SUCCEEDED") then print("bad: " .. status .. " " .. body:sub(1,200)) end
end
