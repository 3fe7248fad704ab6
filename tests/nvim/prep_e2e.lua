-- Headless Neovim drives `prep lsp` as a user's editor would, and writes
-- what it saw as JSON for tests/test_lsp_neovim.py to judge. Run as
--
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/nvim/prep_e2e.lua"
--
-- with PREP_E2E_DIR (a folder holding model.prep, formatted.prep,
-- empty.prep, crlf.prep (formatted, CRLF) and a workspace ws/ of main.prep, sales.prep, delivery.prep), PREP_E2E_CMD (the server command as a JSON array),
-- PREP_E2E_ENCODING (utf-16, utf-8 or utf-32) and PREP_E2E_OUT (the JSON
-- file to write). Works on Neovim 0.7 (vim.lsp.start_client) and on 0.8+
-- (vim.lsp.start); semantic tokens are read through the client on 0.9+ and
-- requested directly on older ones. Whatever fails is written as "error".

local dir = os.getenv("PREP_E2E_DIR")
local out_path = os.getenv("PREP_E2E_OUT")
local encoding = os.getenv("PREP_E2E_ENCODING") or "utf-16"
local cmd = vim.fn.json_decode(os.getenv("PREP_E2E_CMD"))
local TIMEOUT = 30000
local v = vim.version()
local out = { nvim = string.format("%d.%d.%d", v.major, v.minor, v.patch), encoding = encoding, steps = {} }
local clients = vim.lsp.get_clients or vim.lsp.get_active_clients

local function step(name) table.insert(out.steps, name) end

local function start(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = "prep"
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.general = capabilities.general or {}
  capabilities.general.positionEncodings = { encoding }
  local config = { name = "prep", cmd = cmd, root_dir = dir, capabilities = capabilities,
                   offset_encoding = encoding }
  local id
  if vim.lsp.start then
    id = vim.lsp.start(config, { bufnr = bufnr })
  else
    id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(bufnr, id)
  end
  local client = vim.lsp.get_client_by_id(id)
  assert(vim.wait(TIMEOUT, function() return client.initialized end, 20), "the server did not initialize")
  return bufnr, client
end

local function request(client, bufnr, method, params)
  local response, err = client.request_sync(method, params, TIMEOUT, bufnr)
  assert(response, "no response to " .. method .. ": " .. tostring(err))
  return { result = response.result, error = response.err and { code = response.err.code,
                                                               message = response.err.message } or nil }
end

-- the LSP position of byte column `col` (0-based) on 0-based `line`, in the
-- client's encoding, as Neovim computes it
local function position(bufnr, client, line, col)
  vim.api.nvim_win_set_cursor(0, { line + 1, col })
  return vim.lsp.util.make_position_params(0, client.offset_encoding).position
end

-- the byte column of the first `needle` on `line`
local function byte_col(bufnr, line, needle)
  local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
  return assert(text:find(needle, 1, true), needle .. " not on line " .. line) - 1
end

local function at(bufnr, client, line, needle, extra)
  return { textDocument = { uri = vim.uri_from_bufnr(bufnr) },
           position = position(bufnr, client, line, byte_col(bufnr, line, needle) + (extra or 0)) }
end

local function lines_of(bufnr) return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false) end

local function run()
  -- vim.lsp.log's own functions where they exist (0.11 deprecates the old names)
  local log = vim.lsp.log
  if log and log.set_level and log.get_filename then
    log.set_level("debug")
    out.log_path = log.get_filename()
  else
    vim.lsp.set_log_level("debug")
    out.log_path = vim.lsp.get_log_path()
  end
  local bufnr, client = start(dir .. "/model.prep")
  out.offset_encoding = client.offset_encoding
  out.semantic_tokens_provider = client.server_capabilities.semanticTokensProvider
  out.position_encoding = client.server_capabilities and client.server_capabilities.positionEncoding
  step("started")

  -- diagnostics of the known findings
  assert(vim.wait(TIMEOUT, function() return #vim.diagnostic.get(bufnr) > 0 end, 20), "no diagnostics")
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    -- Neovim keeps byte columns: where it put each finding, after converting
    -- from the server's encoding
    table.insert(out.diagnostics, { code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
                                    lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message })
  end
  step("diagnostics")

  -- hover and definition on 見積書 in `𠮷野家, 単価表 -> 見積書` (line 3)
  out.hover = request(client, bufnr, "textDocument/hover", at(bufnr, client, 3, "見積書", 3))
  out.definition = request(client, bufnr, "textDocument/definition", at(bufnr, client, 3, "𠮷野家"))
  out.definition_position = at(bufnr, client, 1, "𠮷野家").position
  step("hover, definition")

  -- semantic tokens: through the client where Neovim has them (0.9+), and
  -- the raw full result always
  out.semantic_full = request(client, bufnr, "textDocument/semanticTokens/full",
                              { textDocument = { uri = vim.uri_from_bufnr(bufnr) } })
  if vim.lsp.semantic_tokens and vim.lsp.semantic_tokens.get_at_pos then
    vim.lsp.semantic_tokens.force_refresh(bufnr)
    vim.wait(TIMEOUT, function()
      local got = vim.lsp.semantic_tokens.get_at_pos(bufnr, 1, byte_col(bufnr, 1, "𠮷野家"))
      return got and #got > 0
    end, 20)
    local got = vim.lsp.semantic_tokens.get_at_pos(bufnr, 1, byte_col(bufnr, 1, "𠮷野家")) or {}
    out.semantic_at_name = {}
    for _, t in ipairs(got) do
      table.insert(out.semantic_at_name, { type = t.type, modifiers = vim.tbl_keys(t.modifiers or {}),
                                           start_col = t.start_col, end_col = t.end_col })
    end
  end
  step("semantic tokens")

  -- a refused rename (the new name is in use), then a real one, applied
  out.rename_refused = request(client, bufnr, "textDocument/rename",
                               vim.tbl_extend("force", at(bufnr, client, 3, "見積書"), { newName = "承認" }))
  local rename = request(client, bufnr, "textDocument/rename",
                         vim.tbl_extend("force", at(bufnr, client, 3, "見積書"), { newName = "見積書 v2" }))
  out.rename_error = rename.error
  if rename.result then vim.lsp.util.apply_workspace_edit(rename.result, client.offset_encoding) end
  out.after_rename = lines_of(bufnr)
  step("rename")
  -- the server follows the edit Neovim sent (incremental, in its encoding):
  -- hover on the renamed name on the last line
  vim.wait(200)
  out.hover_after_rename = request(client, bufnr, "textDocument/hover", at(bufnr, client, 4, "見積書 v2", 3))
  step("hover after rename")

  -- formatting: a messy line is tidied; an already formatted file and an
  -- empty one are left alone (not even marked modified)
  vim.api.nvim_buf_set_lines(bufnr, 3, 4, false, { "𠮷野家,単価表->\"見積書 v2\"" })
  vim.wait(200)
  local fmt_params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, options = { tabSize = 2, insertSpaces = true } }
  local formatted = request(client, bufnr, "textDocument/formatting", fmt_params)
  if formatted.result then vim.lsp.util.apply_text_edits(formatted.result, bufnr, client.offset_encoding) end
  out.after_format = lines_of(bufnr)
  step("formatting")

  out.untouched = {}
  for _, name in ipairs({ "formatted.prep", "empty.prep", "crlf.prep" }) do
    -- asked of the server the buffer is attached to (it has the buffer's
    -- text, as Neovim sends it: a CRLF file's with its CRs)
    local b, c = start(dir .. "/" .. name)
    local reply = request(c, b, "textDocument/formatting",
                          { textDocument = { uri = vim.uri_from_bufnr(b) }, options = { tabSize = 2, insertSpaces = true } })
    if reply.result then vim.lsp.util.apply_text_edits(reply.result, b, c.offset_encoding) end
    out.untouched[name] = { result = reply.result or vim.NIL, modified = vim.bo[b].modified }
  end
  step("formatting untouched")

  -- a workspace (ws/: main.prep includes sales.prep and delivery.prep):
  -- the included file open alone is checked with its root's model
  local function open_with(path)
    vim.cmd("edit " .. vim.fn.fnameescape(path))
    local b = vim.api.nvim_get_current_buf()
    vim.bo[b].filetype = "prep"
    vim.lsp.buf_attach_client(b, client.id)
    return b
  end
  local sales = open_with(dir .. "/ws/sales.prep")
  assert(vim.wait(TIMEOUT, function() return #vim.diagnostic.get(sales) > 0 end, 20), "no diagnostics in sales.prep")
  out.ws_diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(sales)) do
    table.insert(out.ws_diagnostics, { code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
                                       lnum = d.lnum, col = d.col, end_col = d.end_col })
  end
  step("workspace diagnostics")
  -- 𠮷価格表 on line 4 of sales.prep is declared in delivery.prep
  out.ws_definition = request(client, sales, "textDocument/definition", at(sales, client, 4, "𠮷価格表"))
  step("workspace definition")
  out.ws_rename_refused = request(client, sales, "textDocument/rename",
                                  vim.tbl_extend("force", at(sales, client, 4, "受注"), { newName = "導入計画" }))
  local ws_rename = request(client, sales, "textDocument/rename",
                            vim.tbl_extend("force", at(sales, client, 4, "受注"), { newName = "契約" }))
  out.ws_rename_error = ws_rename.error
  if ws_rename.result then vim.lsp.util.apply_workspace_edit(ws_rename.result, client.offset_encoding) end
  out.ws_after_rename = { sales = lines_of(sales),
                          delivery = lines_of(vim.fn.bufadd(dir .. "/ws/delivery.prep")) }
  step("workspace rename")
  -- the stage 営業 (declared in main.prep, not open), renamed from its use in sales.prep
  local stage_rename = request(client, sales, "textDocument/rename",
                               vim.tbl_extend("force", at(sales, client, 6, "営業"), { newName = "商談" }))
  out.ws_stage_rename_error = stage_rename.error
  if stage_rename.result then vim.lsp.util.apply_workspace_edit(stage_rename.result, client.offset_encoding) end
  out.ws_after_stage_rename = { main = lines_of(vim.fn.bufadd(dir .. "/ws/main.prep")), sales = lines_of(sales),
                                delivery = lines_of(vim.fn.bufadd(dir .. "/ws/delivery.prep")) }
  step("workspace stage rename")

  -- a clean stop: shutdown and exit
  for _, c in ipairs(clients()) do c.stop() end
  out.stopped = vim.wait(TIMEOUT, function() return #clients() == 0 end, 20)
  step("stopped")
end

local ok, err = xpcall(run, debug.traceback)
if not ok then out.error = tostring(err) end
local f = assert(io.open(out_path, "w"))
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd("qa!")
