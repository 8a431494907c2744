/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The PEM files the operator downloaded from WeChat's merchant platform and uploaded
// (apiclient_key.pem, pub_key.pem): read back as the operator, pasted into the form.
const pem = {};

async function loadPemFiles() {
    const files = await rpc("/web/dataset/call_kw/ir.attachment/search_read", {
        model: "ir.attachment",
        method: "search_read",
        args: [[["name", "in", ["apiclient_key.pem", "pub_key.pem"]]], ["name", "datas"]],
        kwargs: {},
    });
    for (const file of files) {
        pem[file.name] = atob(file.datas);
    }
    if (!pem["apiclient_key.pem"] || !pem["pub_key.pem"]) {
        throw new Error("the tour's PEM files are missing");
    }
}

function fill(field, label, value) {
    return [
        { content: `The form shows ${label}`, trigger: `.o_form_label:contains(${label})` },
        {
            content: `Fill ${label}`,
            trigger: `.o_field_widget[name=${field}] input, .o_field_widget[name=${field}] textarea`,
            async run(helpers) {
                await helpers.edit(typeof value === "function" ? value() : value);
            },
        },
    ];
}

// An Operator, in the Chinese UI, configures WeChat Pay in public-key mode and enables it.
registry.category("web_tour.tours").add("city_wechatpay_operator_provider", {
    url: "/odoo",
    steps: () => [
        {
            content: "Read the PEM files the operator uploaded",
            trigger: ".o_main_navbar",
            run: loadPemFiles,
        },
        ...stepUtils.goToAppSteps("city_base.city_base_menu_root", "打开同城商圈"),
        {
            content: "Open 结算 (Settlement)",
            trigger: '.o_menu_sections [data-menu-xmlid="city_settlement.city_settlement_menu_root"]:contains(结算)',
            run: "click",
        },
        {
            content: "Open 微信支付 › 支付服务商 (WeChat Pay › Providers)",
            trigger: '[data-menu-xmlid="city_wechatpay.payment_provider_menu_wechatpay"]:contains(支付服务商)',
            run: "click",
        },
        { content: "Open the 微信支付 provider", trigger: ".o_data_row td:contains(微信支付)", run: "click" },
        { content: "The credentials tab (授权认证)", trigger: ".nav-link:contains(授权认证)", run: "click" },
        { content: "Direct merchant by default (直连商户)", trigger: ".o_field_widget[name=wechatpay_mode] select" },
        ...fill("wechatpay_mchid", "商户号", "1900000109"),
        ...fill("wechatpay_appid", "AppID", "wxd678efh567hg6787"),
        ...fill("wechatpay_cert_serial_no", "商户证书序列号", "5A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B"),
        ...fill("wechatpay_private_key", "商户API私钥", () => pem["apiclient_key.pem"]),
        ...fill("wechatpay_apiv3_key", "APIv3密钥", "Tour0APIv3Key0For0WeChatPay00032"),
        ...fill("wechatpay_public_key_id", "微信支付公钥ID", "PUB_KEY_ID_0119000000000000000000000001"),
        ...fill("wechatpay_public_key", "微信支付公钥", () => pem["pub_key.pem"]),
        {
            content: "Enable it (启用)",
            trigger: ".o_field_widget[name=state] .o_radio_item:contains(启用) input",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Saved and enabled: no 测试模式 or 禁用 ribbon",
            trigger: ".o_form_saved",
            run() {
                if (document.querySelector(".o_form_view .ribbon")) {
                    throw new Error("the provider is not enabled");
                }
            },
        },
    ],
});
