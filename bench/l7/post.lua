-- wrk script for the 2 KB form POST workload: a 2048-byte
-- application/x-www-form-urlencoded body of 32 fields of 64 bytes each
-- ("fNN=" + 59 value bytes + "&", the last one without the "&" but one
-- value byte longer).
local fields = {}
for i = 0, 31 do
  local value_len = (i == 31) and 60 or 59
  fields[#fields + 1] = string.format("f%02d=", i) .. string.rep(string.char(97 + i % 26), value_len)
end
local body = table.concat(fields, "&")
assert(#body == 2048, "form body is " .. #body .. " bytes, not 2048")

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
